use bridge_runtime::prelude::*;

// `…Mock` has `new` and `worker_options`, and `m_calls` for each method `m`: a method of the
// same name would clash with them.
#[bridge]
pub trait Shop {
    #[remote_workflow(cluster = "b", queue = "shop")]
    async fn new(customer: String) -> String;

    #[remote_workflow(cluster = "b", queue = "shop")]
    async fn order(id: String) -> String;

    #[remote_signal(cluster = "b")]
    async fn order_calls(count: u32);
}

fn main() {}
