//! The order service's worker on cluster `a`.
//!
//! `order-service [--config bridge.toml]`; without a file, `TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS`
//! (and `_NAMESPACE`) say where cluster `a` is.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    temporal_bridge_examples::run_service(
        "a",
        "orders",
        temporal_bridge_examples::order_worker_options(),
    )
    .await
}
