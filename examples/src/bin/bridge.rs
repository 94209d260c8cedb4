//! The example bridge process: polls cluster `a` and carries `Fulfillment` calls to cluster `b`.
//!
//! ```text
//! bridge --config bridge.toml [--source a]
//! TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS=... TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS=... bridge
//! ```

use bridge_runtime::{BridgeWorker, ClusterPool};
use std::error::Error;
use temporal_bridge_examples::{FulfillmentBridge, init_logging};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    init_logging();
    let mut args = std::env::args().skip(1);
    let (mut config, mut source) = (None, "a".to_owned());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config = Some(args.next().ok_or("--config needs a path")?),
            "--source" => source = args.next().ok_or("--source needs a cluster name")?,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; use --config PATH, --source NAME"
                )
                .into());
            }
        }
    }
    let pool = match config {
        Some(path) => ClusterPool::from_config(path)?,
        None => ClusterPool::from_env()?,
    };
    BridgeWorker::new(pool, source)
        .register(FulfillmentBridge)
        .run_until_signal()
        .await?;
    Ok(())
}
