use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(&self, order: String) -> String;
}

fn main() {}
