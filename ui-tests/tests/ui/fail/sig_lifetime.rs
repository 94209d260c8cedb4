use bridge_runtime::prelude::*;
use std::borrow::Cow;

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn fulfill(order: Cow<'static, str>) -> String;
}

fn main() {}
