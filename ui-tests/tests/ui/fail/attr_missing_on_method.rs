use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    async fn fulfill(order: String) -> String;
}

fn main() {}
