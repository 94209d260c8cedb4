use bridge_runtime::prelude::*;

#[bridge]
pub struct Fulfillment;

fn main() {}
