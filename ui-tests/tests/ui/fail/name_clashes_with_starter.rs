use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: String) -> String;

    #[remote_workflow(cluster = "b", queue = "q")]
    async fn start_fulfill(order: String) -> String;
}

fn main() {}
