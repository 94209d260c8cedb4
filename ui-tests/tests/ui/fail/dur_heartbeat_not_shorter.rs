use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", start_to_close_timeout = "10s", heartbeat_timeout = "1m")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
