use bridge_runtime::prelude::*;

#[bridge]
pub trait Jobs {
    /// A stuck remote workflow is reported and waited for (the default, written out).
    #[remote_workflow(cluster = "b", queue = "jobs", on_stuck = "wait")]
    async fn crunch(input: Batch) -> Summary;

    /// A stuck remote workflow fails the call after the default two minutes.
    #[remote_workflow(cluster = "b", queue = "jobs", on_stuck = "fail")]
    async fn archive(input: Batch);

    /// ... or after 30 seconds, and then terminates it.
    #[remote_workflow(
        cluster = "b",
        queue = "jobs",
        on_stuck = "fail",
        stuck_after = "30s",
        on_cancel = "terminate"
    )]
    async fn index(input: Batch) -> u32;
}
