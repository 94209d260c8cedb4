use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", long_wait_after = "0s")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
