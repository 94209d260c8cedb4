//! The bridge of the several-clusters tests: [`Regions`](temporal_bridge_tests::regions::Regions)
//! behind `bridge_runtime::cli`, so that one binary serves any source its `--config` names.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bridge_runtime::cli::main(|worker| {
        worker.register(temporal_bridge_tests::regions::RegionsBridge)
    })
    .await
}
