use bridge_runtime::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub id: String,
}

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", id = "fulfill-{order.id")]
    async fn fulfill(order: Order) -> String;
}

fn main() {}
