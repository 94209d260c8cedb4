//! Attribute arguments, parsed by darling (unknown and duplicate keys are errors with
//! suggestions).

use darling::export::syn::Lit;
use darling::{Error, FromMeta, util::SpannedValue};

/// `#[bridge(...)]`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct BridgeArgs {
    /// Bridge task queue on the source cluster.
    #[darling(default)]
    pub task_queue: Option<SpannedValue<String>>,
    /// Path of the runtime crate, like `"my_api::bridge_runtime"`, for a crate that reaches it
    /// through a re-export (serde's and tokio's `crate` key).
    #[darling(default, rename = "crate")]
    pub krate: Option<SpannedValue<String>>,
}

/// `#[remote_workflow(...)]`.
#[derive(Debug, FromMeta)]
pub(crate) struct RemoteWorkflowArgs {
    /// Destination cluster name.
    pub cluster: SpannedValue<String>,
    /// Remote task queue.
    pub queue: SpannedValue<String>,
    /// Remote workflow type name.
    #[darling(default)]
    pub workflow: Option<SpannedValue<String>>,
    /// Remote workflow id template, like `"fulfill-{order.id}"`.
    #[darling(default)]
    pub id: Option<SpannedValue<String>>,
    /// Whether a caller may choose any remote workflow id itself.
    #[darling(default)]
    pub explicit_id: Option<SpannedValue<bool>>,
    /// The prefix that every remote workflow id a caller chooses must start with.
    #[darling(default)]
    pub id_prefix: Option<SpannedValue<String>>,
    /// Calls of the method that may start per second, in one bridge process.
    #[darling(default)]
    pub starts_per_second: Option<SpannedValue<u32>>,
    /// Calls of the method that may be in flight at once, in one bridge process.
    #[darling(default)]
    pub max_in_flight: Option<SpannedValue<u32>>,
    /// What cancelling the caller does to the remote workflow.
    #[darling(default)]
    pub on_cancel: Option<SpannedValue<String>>,
    /// What a call does when its remote workflow is stuck: `"wait"` or `"fail"`.
    #[darling(default)]
    pub on_stuck: Option<SpannedValue<String>>,
    /// With `on_stuck = "fail"`: how long a stuck condition lasts before the call fails.
    #[darling(default)]
    pub stuck_after: Option<DurationText>,
    /// Retry policy of the remote workflow.
    #[darling(default)]
    pub workflow_retry: Option<SpannedValue<RetryArgs>>,
    /// Retry policy of the bridge activity.
    #[darling(default)]
    pub bridge_retry: Option<SpannedValue<RetryArgs>>,
    /// Id reuse policy of the remote workflow.
    #[darling(default)]
    pub id_reuse_policy: Option<SpannedValue<String>>,
    /// Start-to-close timeout of one bridge activity attempt.
    #[darling(default)]
    pub start_to_close_timeout: Option<DurationText>,
    /// Heartbeat timeout of the bridge activity.
    #[darling(default)]
    pub heartbeat_timeout: Option<DurationText>,
    /// How long a call waits before it is handed over to a long wait.
    #[darling(default)]
    pub long_wait_after: Option<DurationText>,
    /// Heartbeat timeout of the long wait.
    #[darling(default)]
    pub long_wait_heartbeat_timeout: Option<DurationText>,
    /// The remote workflow's execution timeout (all runs).
    #[darling(default)]
    pub execution_timeout: Option<DurationText>,
    /// The remote workflow's run timeout (one run).
    #[darling(default)]
    pub run_timeout: Option<DurationText>,
}

/// Names of the helper attributes `#[bridge]` reads on methods.
pub(crate) const HELPERS: &[&str] = &[
    "remote_workflow",
    "remote_signal",
    "remote_query",
    "remote_update",
];

/// `#[remote_signal(...)]`, `#[remote_query(...)]` and `#[remote_update(...)]`.
#[derive(Debug, FromMeta)]
pub(crate) struct RemoteHandlerArgs {
    /// Destination cluster name.
    pub cluster: SpannedValue<String>,
    /// The handler's name in the remote workflow (default: the method name).
    #[darling(default)]
    pub name: Option<SpannedValue<String>>,
    /// A `#[remote_workflow]` method of the trait that this signal or update can start.
    #[darling(default)]
    pub with_start: Option<SpannedValue<String>>,
    /// Which workflows the handler may reach: `"bridged"` (the default) or `"any"`.
    #[darling(default)]
    pub target: Option<SpannedValue<String>>,
    /// Besides bridged workflows, those whose id starts with this prefix.
    #[darling(default)]
    pub target_prefix: Option<SpannedValue<String>>,
    /// Calls of the method that may start per second, in one bridge process.
    #[darling(default)]
    pub starts_per_second: Option<SpannedValue<u32>>,
    /// Calls of the method that may be in flight at once, in one bridge process.
    #[darling(default)]
    pub max_in_flight: Option<SpannedValue<u32>>,
}

/// A duration as written in an attribute: a string such as `"30s"`, checked later by
/// [`crate::duration`]. Anything but a string is an error that shows the form.
#[derive(Debug)]
pub(crate) struct DurationText(pub SpannedValue<String>);

impl FromMeta for DurationText {
    fn from_value(value: &Lit) -> darling::Result<Self> {
        match value {
            Lit::Str(s) => Ok(DurationText(SpannedValue::new(s.value(), s.span()))),
            other => Err(Error::custom(
                "a duration is written as a string, like \"30s\", \"5m\" or \"1h30m\"",
            )
            .with_span(&other.span())),
        }
    }
}

/// `workflow_retry(...)` and `bridge_retry(...)`: a Temporal retry policy.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct RetryArgs {
    /// First retry delay.
    #[darling(default)]
    pub initial_interval: Option<DurationText>,
    /// Multiplier of the delay after each retry.
    #[darling(default)]
    pub backoff: Option<SpannedValue<f64>>,
    /// Longest delay.
    #[darling(default)]
    pub max_interval: Option<DurationText>,
    /// Most attempts, the first included.
    #[darling(default)]
    pub max_attempts: Option<SpannedValue<u32>>,
    /// Failure types that are not retried.
    #[darling(default)]
    pub non_retryable: Vec<darling::export::syn::LitStr>,
}
