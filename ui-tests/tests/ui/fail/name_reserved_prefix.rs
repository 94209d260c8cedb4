use bridge_runtime::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct __BridgeOrder {
    id: String,
}

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "fulfillment")]
    async fn fulfill(order: __BridgeOrder) -> String;
}

fn main() {}
