use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    type Order;

    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
