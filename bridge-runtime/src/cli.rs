//! A bridge process's `main`, on clap: configuration file and environment, logging, the worker,
//! and a `check-config` mode.
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
        Err(e) => {
            eprintln!("bridge: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    args: BridgeArgs,
    register: impl FnOnce(BridgeWorker) -> BridgeWorker,
) -> Result<ExitCode, Box<dyn Error>> {
    let (mut config, origin) = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| {
                crate::error::ConfigError::Read {
                    path: path.clone(),
                    source,
                }
            })?;
            let origin = path.display().to_string();
            (BridgeConfig::from_toml(&text, &origin)?, origin)
        }
        None => (BridgeConfig::default(), "the environment".to_owned()),
    };
    config.apply_env(std::env::vars())?;
    init_logging(config.log_format.unwrap_or_default());
    let source = config.source.clone().ok_or_else(|| {
        format!("{origin} names no source cluster: set `source` (or TEMPORAL_BRIDGE_SOURCE)")
    })?;
    let pool = ClusterPool::from_pool_config(config.pool_config(), &origin)?;
    let worker = register(BridgeWorker::new(pool.clone(), source).with_config(&config));
    worker.check()?;
    match args.command.unwrap_or(BridgeCommand::Run) {
        BridgeCommand::Run => {
            worker.run_until_signal().await?;
            Ok(ExitCode::SUCCESS)
        }
        BridgeCommand::CheckConfig => Ok(check_config(&pool, &worker).await),
    }
}

/// One line per cluster: its role, address and state.
async fn check_config(pool: &ClusterPool, worker: &BridgeWorker) -> ExitCode {
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
