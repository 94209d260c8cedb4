use bridge_runtime::prelude::*;

pub struct Order;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: Order) -> String;
}

fn main() {}
