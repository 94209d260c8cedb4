use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "EU West", queue = "q")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
