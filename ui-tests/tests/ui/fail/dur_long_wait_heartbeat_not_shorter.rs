use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", long_wait_heartbeat_timeout = "2h")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
