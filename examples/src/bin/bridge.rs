//! The example bridge process: carries `Fulfillment` calls from cluster `a` to cluster `b`.
//!
//! ```text
//! bridge --config examples/bridge.toml               # run until SIGTERM, then drain
//! bridge --config examples/bridge.toml check-config  # connect to every cluster and report
//! ```

use temporal_bridge_examples::FulfillmentBridge;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bridge_runtime::cli::main(|worker| worker.register(FulfillmentBridge)).await
}
