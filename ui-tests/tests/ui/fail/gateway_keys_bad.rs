use bridge_runtime::prelude::*;

// The gateway's keys: one opening per method, a prefix that is not empty, a known target.
#[bridge]
pub trait Shop {
    #[remote_workflow(cluster = "b", queue = "shop", explicit_id = true, id_prefix = "cart-")]
    async fn both(id: String) -> String;

    #[remote_workflow(cluster = "b", queue = "shop", id_prefix = "")]
    async fn empty(id: String) -> String;

    #[remote_query(cluster = "b", target = "everyone")]
    async fn status() -> String;
}

fn main() {}
