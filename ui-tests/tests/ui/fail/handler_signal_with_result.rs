use bridge_runtime::prelude::*;

#[bridge]
pub trait Fulfillment {
    #[remote_signal(cluster = "b")]
    async fn add_note(note: String) -> bool;
}

fn main() {}
