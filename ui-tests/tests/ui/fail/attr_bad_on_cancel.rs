use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", on_cancel = "ignore")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
