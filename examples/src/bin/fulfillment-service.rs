//! The fulfillment service's worker on cluster B. Address and namespace from
//! `TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS` / `_NAMESPACE` (or `--config bridge.toml`).

use bridge_runtime::{ClusterPool, shutdown_signal};
use temporal_bridge_examples::{fulfillment_worker_options, init_logging};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_logging();
    let pool = match std::env::args().nth(2) {
        Some(path) => ClusterPool::from_config(path)?,
        None => ClusterPool::from_env()?,
    };
    let client = pool.client("b").await?;
    let worker = bridge_runtime::testing::WorkerThread::sdk(
        "fulfillment",
        client,
        fulfillment_worker_options(),
    );
    shutdown_signal().await;
    worker.stop()?;
    Ok(())
}
