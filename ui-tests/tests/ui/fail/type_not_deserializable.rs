use bridge_runtime::prelude::*;

// Arguments must decode too: the bridge checks each call's arguments against them.
#[derive(serde::Serialize)]
pub struct Order {
    pub id: String,
}

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: Order) -> String;
}

fn main() {}
