use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", workflow_retry(attempts = 3))]
    async fn fulfill(order: String) -> String;
}

fn main() {}
