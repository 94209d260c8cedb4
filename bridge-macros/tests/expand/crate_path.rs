use my_api::bridge_runtime::prelude::*;

/// A crate that reaches the runtime through a re-export.
#[bridge(crate = "my_api::bridge_runtime")]
pub trait Audit {
    #[remote_workflow(cluster = "b", queue = "audit", heartbeat_timeout = "10s")]
    async fn record(entry: Entry) -> u64;

    #[remote_query(cluster = "b")]
    async fn count() -> u64;
}
