//! Command lines: a bridge process's whole `main` ([`main`], on clap: configuration file and
//! environment, logging, the worker, and a `check-config` mode), and what the services beside a
//! bridge share with it: [`ServiceArgs`] (the same `--config`), and [`finish`], which ends any
//! binary's `main` with a readable error.
//!
//! ```no_run
//! # struct FulfillmentBridge;
//! # impl bridge_runtime::BridgeRegistration for FulfillmentBridge {
//! #     fn bridge_name(&self) -> &'static str { "Fulfillment" }
//! #     fn methods(&self) -> Vec<&'static bridge_runtime::spec::MethodSpec> { Vec::new() }
//! #     fn register(&self, _: &mut bridge_runtime::__private::Registrar) {}
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
    BridgeWorker, ClusterPool,
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
    #[arg(long, env = crate::config::CONFIG_ENV, value_name = "PATH")]
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
        Err(e) => finish("bridge", Err::<(), _>(e)),
    }
}

/// Ends a binary's `main` on `result`: `SUCCESS`, or `FAILURE` after printing the error to
/// stderr as sentences, prefixed with `program` (the error, then each cause it carries that
/// its message does not already end with). Rust's default for `main() -> Result<_, E>` prints
/// `E`'s `Debug`, a struct dump.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     let result = async {
///         let pool = bridge_runtime::ClusterPool::from_config("bridge.toml")?;
///         let _a = pool.client("a").await?;
///         Ok::<_, Box<dyn std::error::Error>>(())
///     };
///     bridge_runtime::cli::finish("order-service", result.await)
/// }
/// ```
pub fn finish<E: Into<Box<dyn Error>>>(program: &str, result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {}", error_report(&*e.into()));
            ExitCode::FAILURE
        }
    }
}

/// An error and its chain of causes as text: the error's message, then one `caused by:` line
/// per cause, but for a cause that the line before already ends with (most of this crate's
/// errors end their message with their cause's).
pub fn error_report(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut last = text.clone();
    let mut cause = error.source();
    while let Some(c) = cause {
        let line = c.to_string();
        if !last.ends_with(&line) {
            text.push_str("\n  caused by: ");
            text.push_str(&line);
        }
        last = line;
        cause = c.source();
    }
    text
}

/// The command line of a service that runs beside a bridge: the bridge's own `--config` file
/// (or `TEMPORAL_BRIDGE_CONFIG`), whose `[clusters.*]` tables say where its cluster is;
/// without one, the `TEMPORAL_BRIDGE_CLUSTER_*` variables do.
#[derive(Debug, Parser)]
pub struct ServiceArgs {
    /// The bridge's TOML configuration; without it, the environment alone.
    #[arg(long, env = crate::config::CONFIG_ENV, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

impl ServiceArgs {
    /// Parses the process's arguments, naming `program` in usage and errors.
    pub fn parse_for(program: &'static str) -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().name(program).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// The clusters: from the file, or the environment.
    pub fn pool(&self) -> Result<ClusterPool, crate::ConfigError> {
        match &self.config {
            Some(path) => ClusterPool::from_config(path),
            None => ClusterPool::from_env(),
        }
    }
}

async fn run(
    args: BridgeArgs,
    register: impl FnOnce(BridgeWorker) -> BridgeWorker,
) -> Result<ExitCode, Box<dyn Error>> {
    let config = match &args.config {
        Some(path) => BridgeConfig::from_file(path)?,
        None => BridgeConfig::from_env()?,
    };
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
    fn a_cause_is_named_once_and_a_short_one_is_kept() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot start `order-service`")]
        struct Outer(#[source] crate::ConfigError);
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let inner = crate::ConfigError::Read {
            path: "bridge.toml".into(),
            source: io,
        };
        let text = error_report(&Outer(inner));
        assert_eq!(
            text,
            "cannot start `order-service`\n  caused by: cannot read bridge config \
             `bridge.toml`: no such file"
        );
        // A cause that only appears inside the message, not at its end, is still named.
        #[derive(Debug, thiserror::Error)]
        #[error("the call timed out waiting for `b`")]
        struct Call(#[source] std::io::Error);
        let short = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        assert_eq!(
            error_report(&Call(short)),
            "the call timed out waiting for `b`\n  caused by: timed out"
        );
    }
}
