use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q", id_reuse_policy = "allow_duplicate")]
    async fn fulfill(order: String) -> String;
}

fn main() {}
