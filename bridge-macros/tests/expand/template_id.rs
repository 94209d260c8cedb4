use bridge_runtime::prelude::*;

/// An id template over a struct field and a `String` argument, which the id function takes as
/// `&str`.
#[bridge]
pub trait Invoicing {
    #[remote_workflow(cluster = "billing", queue = "invoices", id = "invoice-{order.id}-{currency}")]
    async fn invoice(order: Order, currency: String) -> Invoice;
}
