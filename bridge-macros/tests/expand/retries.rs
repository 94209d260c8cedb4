use bridge_runtime::prelude::*;

#[bridge]
pub trait Payments {
    #[remote_workflow(
        cluster = "b",
        queue = "payments",
        start_to_close_timeout = "10m",
        heartbeat_timeout = "20s",
        long_wait_after = "30s",
        long_wait_heartbeat_timeout = "2m",
        workflow_retry(
            initial_interval = "1s",
            backoff = 1.5,
            max_interval = "1m",
            max_attempts = 5,
            non_retryable = ["CardDeclined", "Fraud"],
        ),
        bridge_retry(
            initial_interval = "500ms",
            backoff = 2.0,
            max_interval = "30s",
            max_attempts = 10,
            non_retryable = ["BadRequest"],
        ),
    )]
    async fn charge(payment: Payment) -> Charge;
}
