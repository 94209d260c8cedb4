//! The example bridge process: polls cluster `a` and carries `Fulfillment` calls to cluster `b`.
//!
//! ```text
//! bridge --config bridge.toml [--source a]
//! TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS=... TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS=... bridge
//! ```

use bridge_runtime::BridgeWorker;
use std::error::Error;
use temporal_bridge_examples::{FulfillmentBridge, init_logging, pool_from_args};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    init_logging();
    // `--source NAME` picks the polled cluster; the rest is the pool's `--config PATH`.
    let mut source = "a".to_owned();
    let mut rest = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--source" {
            source = args.next().ok_or("--source needs a cluster name")?;
        } else {
            rest.push(arg);
        }
    }
    let pool = pool_from_args(rest)?;
    BridgeWorker::new(pool, source)
        .register(FulfillmentBridge)
        .run_until_signal()
        .await?;
    Ok(())
}
