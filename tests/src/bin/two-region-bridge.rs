//! The bridge of the two-region test: [`TwoWay`](temporal_bridge_tests::regions::TwoWay) behind
//! `bridge_runtime::cli`; `TEMPORAL_BRIDGE_SOURCE` picks the direction it carries.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bridge_runtime::cli::main(|worker| {
        worker.register(temporal_bridge_tests::regions::TwoWayBridge)
    })
    .await
}
