//! The order service's worker on cluster `a`.
//!
//! `order-service [--config bridge.toml]`; without a file, `TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS`
//! (and `_NAMESPACE`) say where cluster `a` is.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    temporal_bridge_examples::service_main(
        "order-service",
        "a",
        Ok(temporal_bridge_examples::order_worker_options()),
    )
    .await
}
