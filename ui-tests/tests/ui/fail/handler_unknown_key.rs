use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_query(cluster = "b", queue = "fulfillment")]
    async fn status() -> String;
}

fn main() {}
