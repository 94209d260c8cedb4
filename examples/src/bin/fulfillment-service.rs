//! The fulfillment service's worker on cluster `b`.
//!
//! `fulfillment-service [--config bridge.toml]`; without a file,
//! `TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS` (and `_NAMESPACE`) say where cluster `b` is.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    temporal_bridge_examples::run_service(
        "b",
        "fulfillment",
        temporal_bridge_examples::fulfillment_worker_options(),
    )
    .await
}
