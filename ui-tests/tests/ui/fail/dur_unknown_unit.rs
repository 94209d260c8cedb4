use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", heartbeat_timeout = "30sec")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
