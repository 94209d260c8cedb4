use bridge_runtime::prelude::*;

#[bridge(task_queue = "bridge-a")]
trait Shipping {
    #[remote_workflow(cluster = "eu", queue = "labels", id = "label-{order_id}-{weight_grams}")]
    async fn create_label(order_id: String, weight_grams: u32) -> Label;
    #[remote_update(cluster = "eu", name = "relabel", with_start = "ping")]
    async fn change_label(order_id: String) -> Label;
    #[remote_workflow(
        cluster = "eu",
        queue = "labels",
        workflow = "Ping",
        heartbeat_timeout = "30s",
        execution_timeout = "1h30m",
        run_timeout = "1500ms",
        workflow_retry(max_attempts = 3, backoff = 2.0, non_retryable = ["Invalid"]),
        id_reuse_policy = "allow_duplicate_failed_only",
    )]
    async fn ping();
}
