use bridge_runtime::prelude::*;

// Every problem is reported in one compile.
#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b")]
    async fn fulfill(order: String) -> String;

    fn cancel(&self);
}

fn main() {}
