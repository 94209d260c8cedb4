use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", execution_timeout = "1h", run_timeout = "2h")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
