//! A bridge process's `main`, on clap: configuration file and environment, logging, the worker,
//! and a `check-config` mode; and [`exit_code`], which ends any binary's `main` with a readable
//! error.
//!
//! ```no_run
//! # struct FulfillmentBridge;
//! # impl bridge_runtime::BridgeRegistration for FulfillmentBridge {
//! #     fn bridge_name(&self) -> &'static str { "Fulfillment" }
//! #     fn methods(&self) -> Vec<&'static bridge_runtime::spec::MethodSpec> { Vec::new() }
//! #     fn register(&self, _: &mut bridge_runtime::Registrar) {}
//! # }
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     bridge_runtime::cli::main(|worker| worker.register(FulfillmentBridge)).await
//! }
//! ```
//!
//! ```text
//! bridge --config bridge.toml              # run until SIGTERM or SIGINT, then drain
//! bridge --config bridge.toml check-config # connect to every cluster, report, exit 0 or 1
//! ```

use crate::{
    BridgeWorker,
    config::{BridgeConfig, LogFormat},
    health,
};
use clap::{Parser, Subcommand};
use std::{error::Error, path::PathBuf, process::ExitCode};

/// The command line of a bridge process.
#[derive(Debug, Parser)]
#[command(
    name = "bridge",
    about = "A temporal-bridge worker: polls the source cluster's bridge queue and runs the calls on the destination clusters"
)]
pub struct BridgeArgs {
    /// The bridge's TOML configuration; without it, the environment alone.
    #[arg(long, env = "TEMPORAL_BRIDGE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<BridgeCommand>,
}

/// What the process does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Subcommand)]
pub enum BridgeCommand {
    /// Poll and carry calls until SIGTERM or SIGINT, then drain.
    Run,
    /// Connect to every configured cluster and report each one's status; exit 1 if any fails.
    CheckConfig,
}

/// Parses the command line and runs: the whole `main` of a bridge process. `register` adds the
/// bridges (the `…Bridge` types of `#[bridge]` traits) to the worker.
pub async fn main(register: impl FnOnce(BridgeWorker) -> BridgeWorker) -> ExitCode {
    main_with(BridgeArgs::parse(), register).await
}

/// [`main`] with already parsed arguments.
pub async fn main_with(
    args: BridgeArgs,
    register: impl FnOnce(BridgeWorker) -> BridgeWorker,
) -> ExitCode {
    match run(args, register).await {
        Ok(code) => code,
        Err(e) => exit_code("bridge", Err::<(), _>(e)),
    }
}

/// Ends a binary's `main` on `result`: `SUCCESS`, or the error printed to stderr as sentences
/// (the error, then each cause it carries that its message does not already say) and
/// `FAILURE`. Rust's default for `main() -> Result<_, E>` prints `E`'s `Debug`, a struct dump.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     let result = async {
///         let pool = bridge_runtime::ClusterPool::from_config("bridge.toml")?;
///         let _a = pool.client("a").await?;
///         Ok::<_, Box<dyn std::error::Error>>(())
///     };
///     bridge_runtime::cli::exit_code("order-service", result.await)
/// }
/// ```
pub fn exit_code<E: Into<Box<dyn Error>>>(program: &str, result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {}", report(&*e.into()));
            ExitCode::FAILURE
        }
    }
}

/// An error and its chain of causes as text: the error's message, then one `caused by:` line
/// per cause whose text the lines before do not already hold (most of this crate's errors
/// quote their cause).
pub fn report(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let line = c.to_string();
        if !text.contains(&line) {
            text.push_str("\n  caused by: ");
            text.push_str(&line);
        }
        cause = c.source();
    }
    text
}

async fn run(
    args: BridgeArgs,
    register: impl FnOnce(BridgeWorker) -> BridgeWorker,
) -> Result<ExitCode, Box<dyn Error>> {
    let config = BridgeConfig::load(args.config.as_deref())?;
    init_logging(config.log_format.unwrap_or_default());
    let worker = register(BridgeWorker::from_config(&config)?);
    worker.check()?;
    match args.command.unwrap_or(BridgeCommand::Run) {
        BridgeCommand::Run => {
            worker.run_until_signal().await?;
            Ok(ExitCode::SUCCESS)
        }
        BridgeCommand::CheckConfig => Ok(check_config(&worker).await),
    }
}

/// One line per cluster: its role, address and state.
async fn check_config(worker: &BridgeWorker) -> ExitCode {
    let pool = worker.pool();
    let destinations = worker.destinations();
    let mut all_ok = true;
    for name in pool.names() {
        let role = if name == worker.source() {
            "source"
        } else if destinations.contains(name) {
            "destination"
        } else {
            "unused"
        };
        let address = pool.address(name).unwrap_or("(from its profile)");
        let state = health::check(pool, name).await;
        match state {
            Ok(()) => println!("ok    cluster `{name}` ({role}) at {address}"),
            Err(e) => {
                all_ok = false;
                println!("FAIL  cluster `{name}` ({role}) at {address}: {e}");
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Logs to stderr as text or JSON lines, filtered by `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot start `order-service`")]
        struct Outer(#[source] crate::ConfigError);
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let inner = crate::ConfigError::Read {
            path: "bridge.toml".into(),
            source: io,
        };
        let text = report(&Outer(inner));
        assert_eq!(
            text,
            "cannot start `order-service`\n  caused by: cannot read bridge config \
             `bridge.toml`: no such file"
        );
    }
}
