use bridge_runtime::prelude::*;

#[bridge(queue = "my-bridge")]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
