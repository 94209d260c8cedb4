use bridge_runtime::prelude::*;

/// One handler of each kind, on a workflow that another method starts.
#[bridge]
pub trait Order {
    #[remote_workflow(cluster = "b", queue = "orders")]
    async fn place(order: OrderRequest) -> Receipt;

    /// A signal: no result.
    #[remote_signal(cluster = "b", name = "add_item")]
    async fn add(item: Item);

    /// A query, named like the method.
    #[remote_query(cluster = "b")]
    async fn status() -> Status;

    /// An update with several arguments.
    #[remote_update(cluster = "b", name = "change_address")]
    async fn readdress(street: String, city: String) -> Address;
}
