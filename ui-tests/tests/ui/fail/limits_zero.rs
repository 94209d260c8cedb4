use bridge_runtime::prelude::*;

// A limit of 0 would hold every call forever.
#[bridge]
pub trait Shop {
    #[remote_workflow(cluster = "b", queue = "shop", starts_per_second = 0)]
    async fn order(id: String) -> String;

    #[remote_signal(cluster = "b", max_in_flight = 0)]
    async fn poke();
}

fn main() {}
