use bridge_runtime::prelude::*;

#[bridge]
pub trait Jobs {
    /// Cancelling the caller terminates the remote workflow at once.
    #[remote_workflow(cluster = "b", queue = "jobs", on_cancel = "terminate")]
    async fn crunch(input: Batch) -> Summary;

    /// Cancelling the caller leaves the remote workflow running.
    #[remote_workflow(cluster = "b", queue = "jobs", on_cancel = "abandon")]
    async fn archive(input: Batch);
}
