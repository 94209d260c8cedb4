//! What `#[bridge]` records about each method of a trait: a [`MethodSpec`] per method, whose
//! [`MethodKind`] carries what only that kind has (a remote workflow's queue, type, timeouts and
//! policies in [`WorkflowSpec`]; a handler's name and with-start workflow in [`HandlerSpec`]).
//! Generated code builds these as constants; the bridge activity and the callers read them.
//! The wire format that callers in other SDKs rely on is in [`crate::wire`].

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What `#[bridge]` records about one method of a trait: where its bridge activity runs, and
/// (in [`MethodKind`]) what it does on the destination cluster.
///
/// Every string is built at compile time, so the bridge formats nothing per call to name a
/// method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MethodSpec {
    /// Name of the trait the method belongs to.
    pub trait_name: &'static str,
    /// Name of the method.
    pub method: &'static str,
    /// `Trait.method`, as logs, metrics and failures name the method.
    pub label: &'static str,
    /// The bridge activity's type name, `bridge.Trait.method`.
    pub activity_type: &'static str,
    /// Name of the destination cluster, resolved at run time by the [`crate::ClusterPool`].
    pub cluster: &'static str,
    /// Task queue on the source cluster that the bridge worker polls for this method.
    pub bridge_queue: &'static str,
    /// The bridge activity's timeouts (`start_to_close_timeout`, `heartbeat_timeout`).
    pub timeouts: CallTimeouts,
    /// The bridge activity's retry policy (`bridge_retry(...)`); `None`:
    /// [`crate::bridge_retry_policy`].
    pub bridge_retry: Option<RetrySpec>,
    /// How many of the method's calls may start per second and be in flight in one bridge
    /// process (`starts_per_second`, `max_in_flight`).
    pub limits: Limits,
    /// What the method does on the destination cluster, with what only that kind has.
    pub kind: MethodKind,
}

impl MethodSpec {
    /// `Trait.method`, as logs, metrics and failures name the method.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The remote workflow of a `#[remote_workflow]` method; `None` for a signal, query or
    /// update.
    pub fn workflow(&self) -> Option<&WorkflowSpec> {
        match &self.kind {
            MethodKind::Workflow(w) => Some(w),
            _ => None,
        }
    }

    /// The workflow method a signal or update with `with_start` starts.
    pub fn with_start(&self) -> Option<&'static MethodSpec> {
        match &self.kind {
            MethodKind::Signal(h) | MethodKind::Update(h) => h.with_start,
            MethodKind::Query(_) | MethodKind::Workflow(_) => None,
        }
    }

    /// What a caller's summary says the call runs: the remote workflow type, or the handler.
    pub(crate) fn target_name(&self) -> &'static str {
        match &self.kind {
            MethodKind::Workflow(w) => w.workflow_type,
            MethodKind::Signal(h) | MethodKind::Query(h) | MethodKind::Update(h) => h.name,
        }
    }
}

/// What a method does on the destination cluster.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MethodKind {
    /// Starts a remote workflow and waits for its result (`#[remote_workflow]`).
    Workflow(WorkflowSpec),
    /// Sends a signal to a remote workflow (`#[remote_signal]`).
    Signal(HandlerSpec),
    /// Runs a query on a remote workflow (`#[remote_query]`).
    Query(HandlerSpec),
    /// Runs an update on a remote workflow and waits for its result (`#[remote_update]`).
    Update(HandlerSpec),
}

/// What a `#[remote_workflow]` method declares about the workflow it starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkflowSpec {
    /// Task queue of the remote workflow on the destination cluster.
    pub queue: &'static str,
    /// Workflow type name of the remote workflow.
    pub workflow_type: &'static str,
    /// The remote workflow's execution timeout, over all its runs; `None` for no limit.
    pub execution_timeout: Option<Duration>,
    /// The remote workflow's run timeout; `None` for no limit.
    pub run_timeout: Option<Duration>,
    /// What cancelling the caller does to the remote workflow.
    pub on_cancel: OnCancel,
    /// What a call does while its remote workflow is stuck (`on_stuck`, `stuck_after`).
    pub on_stuck: OnStuck,
    /// The remote workflow's retry policy (`workflow_retry(...)`); `None`: the server's default
    /// (a workflow is not retried).
    pub workflow_retry: Option<RetrySpec>,
    /// The remote workflow's id reuse policy (`id_reuse_policy = "..."`).
    pub id_reuse: IdReuse,
    /// The method's id template (`id = "..."`), as the bridge evaluates it on a call's
    /// arguments; `None` for the default per-call id.
    pub id_template: Option<IdTemplate>,
    /// Which ids a caller may choose itself (`explicit_id`, `id_prefix`).
    pub explicit_ids: ExplicitIds,
}

/// A workflow method's id template, evaluated by the bridge on a call's argument payloads, so
/// that it can tell a template's id from one the caller chose. `None` when the arguments do not
/// decode (a codec's encoding, say).
#[derive(Clone, Copy)]
pub struct IdTemplate(
    pub fn(Vec<temporalio_common::protos::temporal::api::common::v1::Payload>) -> Option<String>,
);

impl PartialEq for IdTemplate {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl std::fmt::Debug for IdTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdTemplate(..)")
    }
}

/// The id template of method `M` on a call's argument payloads ([`IdTemplate`]).
pub fn template_id_of<M: RemoteMethod>(
    payloads: Vec<temporalio_common::protos::temporal::api::common::v1::Payload>,
) -> Option<String> {
    use temporalio_common::data_converters::{
        GenericPayloadConverter, PayloadConverter, SerializationContext, SerializationContextData,
    };
    let converter = PayloadConverter::default();
    let data = SerializationContextData::None;
    let context = SerializationContext::new(&data, &converter);
    let args = converter
        .from_payloads::<M::Args>(&context, payloads)
        .ok()?;
    M::template_id(&args)
}

/// Which remote workflow ids a caller may choose for a workflow method, through
/// `CallOptions::remote_workflow_id` or the call header (`explicit_id = true`,
/// `id_prefix = "..."`). Any other id is refused (`BridgeIdNotAllowed`): a caller cannot pick
/// names on cluster B that the trait did not open to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExplicitIds {
    /// Only the default id or the method's id template (the default).
    #[default]
    Refused,
    /// Any id (`explicit_id = true`).
    Any,
    /// Ids that start with this prefix (`id_prefix = "..."`).
    Prefix(&'static str),
}

impl ExplicitIds {
    /// Whether a caller may name `id` itself.
    pub fn allow(&self, id: &str) -> bool {
        match self {
            ExplicitIds::Refused => false,
            ExplicitIds::Any => true,
            ExplicitIds::Prefix(p) => id.starts_with(p),
        }
    }
}

/// Which existing workflows on cluster B a signal, query or update may reach (`target`,
/// `target_prefix`). A handle's wait and cancel follow the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Targets {
    /// Workflows a bridge of the same source cluster and namespace started (the default).
    #[default]
    Bridged,
    /// Any workflow (`target = "any"`).
    Any,
    /// Bridged workflows, and any whose id starts with this prefix (`target_prefix = "..."`).
    Prefix(&'static str),
}

/// What a `#[remote_signal]`, `#[remote_query]` or `#[remote_update]` method declares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HandlerSpec {
    /// The handler's name in the remote workflow.
    pub name: &'static str,
    /// For a signal or update with `with_start = "method"`: that workflow method, which the
    /// signal-with-start or update-with-start call starts. Always `None` for a query.
    pub with_start: Option<&'static MethodSpec>,
    /// Which existing workflows the handler may reach.
    pub targets: Targets,
}

/// `name`, checked at compile time against the rule every pool applies to cluster names
/// ([`crate::config`]): the generated `MethodSpec` names its cluster through this, so that the
/// macro and the pool cannot disagree on what a valid name is.
pub const fn cluster_name(name: &'static str) -> &'static str {
    assert!(
        crate::config::valid_cluster_name(name),
        "a cluster name uses a-z, 0-9, `-` and `_`"
    );
    name
}

/// A retry policy declared in an attribute. Unset fields keep Temporal's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetrySpec {
    /// First retry delay.
    pub initial_interval: Option<Duration>,
    /// Multiplier of the delay after each retry.
    pub backoff_coefficient: Option<f64>,
    /// Longest delay.
    pub maximum_interval: Option<Duration>,
    /// Most attempts, the first included; `None` for no limit.
    pub maximum_attempts: Option<u32>,
    /// Failure types that are not retried.
    pub non_retryable_error_types: &'static [&'static str],
}

impl RetrySpec {
    /// The SDK's retry policy, with `also_non_retryable` added to the declared types.
    pub fn to_policy(&self, also_non_retryable: &[&str]) -> temporalio_common::RetryPolicy {
        temporalio_common::RetryPolicy::builder()
            .maybe_initial_interval(self.initial_interval)
            .maybe_backoff_coefficient(self.backoff_coefficient)
            .maybe_maximum_interval(self.maximum_interval)
            .maybe_maximum_attempts(self.maximum_attempts)
            .non_retryable_error_types(
                self.non_retryable_error_types
                    .iter()
                    .chain(also_non_retryable)
                    .copied(),
            )
            .build()
    }
}

/// Id reuse policies that keep "one remote execution per call" (`id_reuse_policy = "..."`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdReuse {
    /// A closed execution is never started again: a retry attaches to it (the default).
    #[default]
    RejectDuplicate,
    /// A failed, cancelled, terminated or timed-out execution may be started again by a later
    /// call with the same id (an id template's business key); a completed one may not.
    AllowDuplicateFailedOnly,
}

/// What cancelling the calling workflow (or its call) does to the remote workflow
/// (`on_cancel = "..."`).
///
/// The bridge learns of a cancellation from its next heartbeat and checks with the source
/// cluster that the call's activity really is cancel-requested, so a bridge that shuts down, or
/// an attempt that timed out, never touches the remote workflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCancel {
    /// Request cancellation of the remote workflow, which may clean up (the default). The call
    /// resolves once the request has been made.
    #[default]
    Cancel,
    /// Terminate the remote workflow at once.
    Terminate,
    /// Leave the remote workflow running; the call resolves as cancelled at once.
    Abandon,
}

/// What a call does while its remote workflow makes no progress on cluster B: no worker polls
/// its task queue, or its workflow task keeps failing (an input the worker cannot decode, an
/// unknown workflow type, a panic, nondeterminism). Either way the bridge reports it, in a WARN
/// line, the `temporal_bridge_remote_stuck` metric and its heartbeat details.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnStuck {
    /// Keep waiting: the worker may come back or be fixed (the default).
    #[default]
    Wait,
    /// Fail the call with `BridgeError::RemoteStuck` once it has been stuck this long, and act on
    /// the remote workflow per `on_cancel`.
    Fail {
        /// How long the stuck condition lasts before the call fails.
        after: Duration,
    },
}

/// The activity options every bridged call uses unless overridden.
///
/// A call runs in two phases on the source cluster. First, one bridge activity starts the
/// remote workflow and waits for it with the short `heartbeat` timeout, so that a bridge that
/// dies while it starts the call is replaced within seconds. A call still waiting after
/// `long_wait_after` is handed over to a *long wait*: a second activity that only waits,
/// heartbeating against `long_wait_heartbeat`. The remote workflow runs on the destination
/// whether or not a bridge is alive, and any bridge can attach to it by id, so a long wait
/// needs the heartbeat only to notice a dead bridge; cancelling the caller does not wait for
/// a heartbeat (the caller cancels through a separate activity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTimeouts {
    /// Start-to-close timeout of one bridge activity attempt. An attempt that runs out simply
    /// retries and attaches to the same remote workflow, so this bounds how long one bridge
    /// process holds a call, not how long the remote workflow may run.
    pub attempt: Duration,
    /// Heartbeat timeout while the call starts and for its first `long_wait_after`: how quickly
    /// a dead bridge's calls move to another bridge.
    pub heartbeat: Duration,
    /// How long a call waits in its first activity before it is handed over to a long wait
    /// (`long_wait_after`). As long as `attempt` or longer, a call is never handed over.
    #[serde(default = "default_long_wait_after")]
    pub long_wait_after: Duration,
    /// Heartbeat timeout of a long wait, and of a handle's `result` (`long_wait_heartbeat_timeout`):
    /// how quickly a waiting call moves to another bridge when its bridge dies.
    #[serde(default = "default_long_wait_heartbeat")]
    pub long_wait_heartbeat: Duration,
}

fn default_long_wait_after() -> Duration {
    CallTimeouts::DEFAULT.long_wait_after
}

fn default_long_wait_heartbeat() -> Duration {
    CallTimeouts::DEFAULT.long_wait_heartbeat
}

impl CallTimeouts {
    /// Defaults: one hour per attempt, a five-second heartbeat timeout for the first ten
    /// seconds, then a long wait with a one-minute heartbeat timeout.
    ///
    /// Every heartbeat is a write on the source cluster, and the SDK sends one about every
    /// 0.8 × the heartbeat timeout. A call that waits at 5 s costs about one write every 4 s
    /// (1,000 such calls: about 250 writes a second); in a long wait at 60 s it costs one
    /// every 48 s (1,000 calls: about 21 a second). The price is the takeover time of a dead
    /// bridge's waiting calls: up to one `long_wait_heartbeat` instead of one `heartbeat`.
    pub const DEFAULT: CallTimeouts = CallTimeouts {
        attempt: Duration::from_secs(3600),
        heartbeat: Duration::from_secs(5),
        long_wait_after: Duration::from_secs(10),
        long_wait_heartbeat: Duration::from_secs(60),
    };
}

impl Default for CallTimeouts {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Limits on calls, per destination cluster (`[limits.b]` in the bridge's file,
/// `BridgeWorker::limit`) or per method (`starts_per_second`, `max_in_flight` on its
/// attribute), in one bridge process. A call over a limit waits, heartbeating, and counts in
/// `temporal_bridge_throttled`; it does not fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Calls that may start per second: their first request to the destination (a start, a
    /// signal, a query, an update) is paced to this rate.
    #[serde(default)]
    pub starts_per_second: Option<u32>,
    /// Calls that may be in flight at once, from their first request to their end, or to their
    /// hand-over to a long wait (which holds no slot: it only long-polls the destination).
    #[serde(default)]
    pub max_in_flight: Option<u32>,
}

impl Limits {
    /// No limit.
    pub const NONE: Limits = Limits {
        starts_per_second: None,
        max_in_flight: None,
    };
}

/// The default task queue that bridge workers poll on the source cluster.
pub const DEFAULT_BRIDGE_QUEUE: &str = "temporal-bridge";

/// A method of a `#[bridge]` trait: a marker type generated per method, of any kind.
pub trait RemoteMethod: 'static {
    /// The method's input: the single argument, `()` for none, or `MultiArgsN` for several.
    /// The bridge decodes it to check a call's arguments before it starts anything.
    type Args: temporalio_common::data_converters::TemporalSerializable
        + temporalio_common::data_converters::TemporalDeserializable
        + 'static;
    /// The method's result: the remote workflow's, the query's or the update's (`()` for a
    /// signal).
    type Output: temporalio_common::data_converters::TemporalDeserializable + 'static;
    /// What the trait declares about the method.
    const SPEC: MethodSpec;

    /// The method's id template on `args`, for a workflow method with `id = "..."`; `None`
    /// otherwise.
    fn template_id(args: &Self::Args) -> Option<String> {
        let _ = args;
        None
    }
}
