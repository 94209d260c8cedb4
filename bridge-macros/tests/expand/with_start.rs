use bridge_runtime::prelude::*;

#[bridge]
pub trait Cart {
    #[remote_workflow(cluster = "shop", queue = "carts", id = "cart-{customer}")]
    async fn cart(customer: String) -> Checkout;

    #[remote_signal(cluster = "shop", with_start = "cart")]
    async fn add_item(item: Item);

    #[remote_update(cluster = "shop", name = "set_quantity", with_start = "cart")]
    async fn set_quantity(sku: String, quantity: u32) -> u32;
}
