use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", bridge_retry(max_attempts = 0))]
    async fn fulfill(order: String) -> String;
}

fn main() {}
