//! The bridge of the integration tests, as its own process so that tests can kill it.
//! Clusters come from `--config PATH` (with `TEMPORAL_BRIDGE_CLUSTER_*` overrides) or from the
//! environment alone; the source cluster is `a`.

use bridge_runtime::{BridgeWorker, ClusterPool};
use temporal_bridge_tests::ProbeBridge;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    temporal_bridge_tests::init_logging();
    let result = async {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let pool = match args.as_slice() {
            [] => ClusterPool::from_env()?,
            [flag, path] if flag == "--config" => ClusterPool::from_config(path)?,
            other => {
                return Err(format!("usage: test-bridge [--config PATH], got {other:?}").into());
            }
        };
        let mut worker = BridgeWorker::new(pool, "a").register(ProbeBridge);
        // A knob for the bench: how many activity pollers the bridge runs.
        if let Some(n) = std::env::var("TEST_BRIDGE_MAX_POLLERS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            worker = worker.max_pollers(n);
        }
        // A knob for the shutdown tests: the drain's grace period.
        if let Some(ms) = std::env::var("TEST_BRIDGE_GRACE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            worker = worker.grace_period(std::time::Duration::from_millis(ms));
        }
        worker.run_until_signal().await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .await;
    bridge_runtime::cli::finish("test-bridge", result)
}
