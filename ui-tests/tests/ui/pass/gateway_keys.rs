//! Every way a method opens the gateway, a template whose id the bridge recomputes, and
//! per-method limits.
use bridge_runtime::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[bridge]
pub trait Shop {
    #[remote_workflow(cluster = "b", queue = "shop", explicit_id = true)]
    async fn any_id(order: Order) -> String;

    #[remote_workflow(cluster = "b", queue = "shop", id_prefix = "cart-")]
    async fn cart(order: Order) -> String;

    #[remote_workflow(cluster = "b", queue = "shop", id = "order-{order.id}-{count}")]
    async fn keyed(order: Order, count: u32) -> String;

    #[remote_query(cluster = "b", target = "any", starts_per_second = 5, max_in_flight = 10)]
    async fn status() -> String;

    #[remote_workflow(cluster = "b", queue = "shop", starts_per_second = 20)]
    async fn paced(order: Order) -> String;

    #[remote_signal(cluster = "b", target = "bridged")]
    async fn poke();

    #[remote_update(cluster = "b", target_prefix = "public-")]
    async fn touch(note: String) -> u32;
}

fn main() {
    let _ = <ShopBridge as bridge_runtime::BridgeRegistration>::methods(&ShopBridge);
    let _ = ShopBridge::keyed_remote_id(&Order { id: "7".into() }, &2);
}
