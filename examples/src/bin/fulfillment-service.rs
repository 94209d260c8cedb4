//! The fulfillment service's worker on cluster `b`.
//!
//! `fulfillment-service [--config bridge.toml]`; without a file,
//! `TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS` (and `_NAMESPACE`) say where cluster `b` is.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    temporal_bridge_examples::service_main(
        "fulfillment-service",
        "b",
        temporal_bridge_examples::fulfillment_worker_options(),
    )
    .await
}
