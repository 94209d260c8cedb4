//! The workflow side of a bridged call: what the generated typed callers run inside workflow
//! code on the source cluster.

use crate::{
    error::BridgeError,
    spec::{CallTimeouts, MethodSpec, OnCancel, OnStuck, RemoteMethod, RetrySpec},
    wire::{
        self, CANCEL_SUFFIX, CallHeader, FailureDetails, RemoteStarted, START_SUFFIX,
        UpdateWithStartResult, WAIT_SUFFIX, WITH_START_SUFFIX,
    },
};
use serde::{Deserialize, Serialize};
use std::{marker::PhantomData, time::Duration};
use temporalio_common::{
    RetryPolicy, UntypedActivity,
    data_converters::{
        GenericPayloadConverter, PayloadConverter, RawValue, SerializationContext,
        SerializationContextData, TemporalDeserializable, TemporalSerializable,
        WorkflowSerializationContext,
    },
    error::{ActivityExecutionError, IncomingError},
    protos::temporal::api::{
        common::v1::Payload,
        failure::v1::{Failure, failure::FailureInfo},
    },
};
use temporalio_workflow::{
    ActivityCancellationType, ActivityOptions, WorkflowCancellationToken, WorkflowContext,
};

/// Per-call overrides of what the method's attribute declares; every `None` keeps the
/// declaration. Pass them to the generated `…Caller::method_with_options(ctx, options, args…)`.
///
/// ```
/// # use bridge_runtime::CallOptions;
/// # use std::time::Duration;
/// let options = CallOptions::new()
///     .remote_workflow_id("fulfill-order-7")
///     .heartbeat_timeout(Duration::from_secs(30))
///     .execution_timeout(Duration::from_secs(3600));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// An explicit remote workflow id; `None` uses the method's id (template or default).
    pub remote_workflow_id: Option<String>,
    /// Start-to-close timeout of one bridge activity attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Heartbeat timeout of the bridge activity.
    pub heartbeat_timeout: Option<Duration>,
    /// The remote workflow's execution timeout.
    pub execution_timeout: Option<Duration>,
    /// The remote workflow's run timeout.
    pub run_timeout: Option<Duration>,
    /// What the call does while its remote workflow is stuck.
    pub on_stuck: Option<OnStuck>,
    /// How long the call waits in its first activity before it is handed over to a long wait.
    pub long_wait_after: Option<Duration>,
    /// Heartbeat timeout of the long wait (and of a handle's `result`).
    pub long_wait_heartbeat_timeout: Option<Duration>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls the remote workflow under this id. The bridge applies its usual encoding and
    /// length cap.
    pub fn remote_workflow_id(mut self, id: impl Into<String>) -> Self {
        self.remote_workflow_id = Some(id.into());
        self
    }

    /// Overrides the bridge activity's start-to-close timeout.
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }

    /// Overrides the bridge activity's heartbeat timeout.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// Overrides the remote workflow's execution timeout.
    pub fn execution_timeout(mut self, timeout: Duration) -> Self {
        self.execution_timeout = Some(timeout);
        self
    }

    /// Overrides the remote workflow's run timeout.
    pub fn run_timeout(mut self, timeout: Duration) -> Self {
        self.run_timeout = Some(timeout);
        self
    }

    /// Overrides what the call does while its remote workflow is stuck (`on_stuck`).
    pub fn on_stuck(mut self, on_stuck: OnStuck) -> Self {
        self.on_stuck = Some(on_stuck);
        self
    }

    /// Overrides how long the call waits before it is handed over to a long wait
    /// (`long_wait_after`).
    pub fn long_wait_after(mut self, after: Duration) -> Self {
        self.long_wait_after = Some(after);
        self
    }

    /// Overrides the long wait's heartbeat timeout (`long_wait_heartbeat_timeout`).
    pub fn long_wait_heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.long_wait_heartbeat_timeout = Some(timeout);
        self
    }

    /// The bridge activity's timeouts for `spec`'s method: these overrides, else the method's.
    fn timeouts_for(&self, spec: &MethodSpec) -> CallTimeouts {
        let declared = spec.timeouts;
        CallTimeouts {
            attempt: self.start_to_close_timeout.unwrap_or(declared.attempt),
            heartbeat: self.heartbeat_timeout.unwrap_or(declared.heartbeat),
            long_wait_after: self.long_wait_after.unwrap_or(declared.long_wait_after),
            long_wait_heartbeat: self
                .long_wait_heartbeat_timeout
                .unwrap_or(declared.long_wait_heartbeat),
        }
    }

    /// `self`, with the id `template` computes where `self` names none; the template runs only
    /// then. Generated callers of methods with an `id` template use it.
    #[doc(hidden)]
    pub fn or_remote_id_with(mut self, template: impl FnOnce() -> String) -> Self {
        if self.remote_workflow_id.is_none() {
            self.remote_workflow_id = Some(template());
        }
        self
    }
}

/// The bridge activity's retry policy: retry transport trouble forever with backoff; the bridge
/// marks final outcomes non-retryable itself, and they are listed here too for bridges that
/// predate a type.
pub fn bridge_retry_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(30))
        .non_retryable_error_types(wire::Failure::non_retryable_type_names())
        .build()
}

/// Calls remote workflow method `M` from workflow code and waits for its result.
///
/// A call of a remote workflow that is still running after the method's `long_wait_after` is
/// handed over to a long wait, as a handle's [`result`](RemoteWorkflowHandle::result) waits
/// ([`CallTimeouts`]). The generated `…Caller::method(ctx, args)` functions are thin wrappers
/// around this.
pub async fn call_remote_workflow<M: RemoteMethod, W>(
    ctx: &WorkflowContext<W>,
    args: M::Args,
    options: CallOptions,
) -> Result<M::Output, BridgeError> {
    let spec = &M::SPEC;
    let target = Target::of(spec, &options, "");
    let header = CallHeader {
        // A signal, query or update ends with its request; only a remote workflow is waited on.
        hand_over_after_ms: spec
            .workflow()
            .map(|_| millis(target.timeouts.long_wait_after)),
        ..header_of(&options)
    };
    let payloads = encode(ctx, &target.method, &header, Some(&args))?;
    let raw = schedule(ctx, &target, payloads).await?;
    if !raw.payloads.first().is_some_and(wire::is_hand_over) {
        return decode_output(ctx, &target.method, raw);
    }
    let started: wire::HandOver = decode_output(ctx, &target.method, raw)?;
    RemoteWorkflowHandle::<M::Output>::new(spec, target.timeouts, started)
        .result(ctx)
        .await
}

/// Sends signal `M`, or runs query or update `M`, on the remote workflow `target`, from workflow
/// code, and waits for its result.
///
/// The generated `…Caller::handler(ctx, target, args)` functions are thin wrappers around this.
pub async fn call_handler<M: RemoteMethod, W>(
    ctx: &WorkflowContext<W>,
    target: RemoteTarget,
    args: M::Args,
) -> Result<M::Output, BridgeError> {
    let options = CallOptions::new().remote_workflow_id(target.workflow_id);
    call_remote_workflow::<M, W>(ctx, args, options).await
}

/// Starts remote workflow method `M` from workflow code and returns once the remote cluster has
/// started it (or found the execution its id already names), with a handle on it.
///
/// Not awaiting the handle's result makes a detached, fire-and-forget start. The generated
/// `…Caller::start_method(ctx, args)` functions are thin wrappers around this.
pub async fn start_remote_workflow<M: RemoteMethod, W>(
    ctx: &WorkflowContext<W>,
    args: M::Args,
    options: CallOptions,
) -> Result<RemoteWorkflowHandle<M::Output>, BridgeError> {
    let spec = &M::SPEC;
    let target = Target::of(spec, &options, START_SUFFIX);
    let payloads = encode(ctx, &target.method, &header_of(&options), Some(&args))?;
    let raw = schedule(ctx, &target, payloads).await?;
    let started: RemoteStarted = decode_output(ctx, &target.method, raw)?;
    Ok(RemoteWorkflowHandle::new(spec, target.timeouts, started))
}

/// Starts `Mw`'s remote workflow with signal `Ms` (whose `with_start` it is) in one step, or
/// signals the running one; returns once done, with a handle on the workflow.
///
/// The generated `…Caller::s_with_start(ctx, workflow args…, signal args…)` functions are
/// thin wrappers around this.
pub async fn signal_with_start<Mw: RemoteMethod, Ms: RemoteMethod, W>(
    ctx: &WorkflowContext<W>,
    start_args: Mw::Args,
    signal_args: Ms::Args,
    options: CallOptions,
) -> Result<RemoteWorkflowHandle<Mw::Output>, BridgeError> {
    let target = Target::of(&Ms::SPEC, &options, WITH_START_SUFFIX);
    let payloads = encode_with_start(ctx, &target.method, &options, &start_args, &signal_args)?;
    let raw = schedule(ctx, &target, payloads).await?;
    let started: RemoteStarted = decode_output(ctx, &target.method, raw)?;
    Ok(RemoteWorkflowHandle::new(
        &Mw::SPEC,
        options.timeouts_for(&Mw::SPEC),
        started,
    ))
}

/// Starts `Mw`'s remote workflow with update `Mu` (whose `with_start` it is) in one step, or
/// updates the running one; returns a handle on the workflow and the update's result.
pub async fn update_with_start<Mw: RemoteMethod, Mu: RemoteMethod, W>(
    ctx: &WorkflowContext<W>,
    start_args: Mw::Args,
    update_args: Mu::Args,
    options: CallOptions,
) -> Result<(RemoteWorkflowHandle<Mw::Output>, Mu::Output), BridgeError> {
    let target = Target::of(&Mu::SPEC, &options, WITH_START_SUFFIX);
    let payloads = encode_with_start(ctx, &target.method, &options, &start_args, &update_args)?;
    let raw = schedule(ctx, &target, payloads).await?;
    let both: UpdateWithStartResult = decode_output(ctx, &target.method, raw)?;
    let output = decode_output(ctx, &target.method, RawValue::new(vec![both.result.into()]))?;
    let started = both.started;
    let handle = RemoteWorkflowHandle::new(&Mw::SPEC, options.timeouts_for(&Mw::SPEC), started);
    Ok((handle, output))
}

/// The with-start input: the header (counting the workflow's payloads), the workflow's
/// arguments, then the signal's or update's.
fn encode_with_start<W, A, H>(
    ctx: &WorkflowContext<W>,
    method: &str,
    options: &CallOptions,
    start_args: &A,
    handler_args: &H,
) -> Result<Vec<Payload>, BridgeError>
where
    A: TemporalSerializable + 'static,
    H: TemporalSerializable + 'static,
{
    let start = encode_args(ctx, method, start_args)?;
    let header = CallHeader {
        start_args: Some(start.len()),
        ..header_of(options)
    };
    let mut payloads = vec![encode_header(ctx, method, &header)?];
    payloads.extend(start);
    payloads.extend(encode_args(ctx, method, handler_args)?);
    Ok(payloads)
}

/// A typed handle on a remote workflow started through the bridge, returned by the generated
/// `…Caller::start_method` functions.
///
/// It is plain data (serde), so a workflow can keep it in its state, and its
/// [`result`](Self::result) waits by workflow id through the bridge: it survives bridge restarts
/// and can be awaited in a later workflow task, or a later run that received the handle.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RemoteWorkflowHandle<T> {
    /// The record's version ([`HANDLE_VERSION`]): a handle kept in a workflow's state may be read
    /// by a later release, and one written by a newer release is refused rather than misread.
    /// Handles kept before the field existed read as version 1.
    #[serde(
        default = "first_version",
        deserialize_with = "known_version",
        serialize_with = "current_version"
    )]
    version: u32,
    method: String,
    activity_type: String,
    bridge_queue: String,
    cluster: String,
    workflow_type: String,
    workflow_id: String,
    run_id: Option<String>,
    timeouts: CallTimeouts,
    on_cancel: OnCancel,
    #[serde(skip)]
    _output: PhantomData<fn() -> T>,
}

/// The version of the [`RemoteWorkflowHandle`] record this release writes and reads.
pub const HANDLE_VERSION: u32 = 1;

fn first_version() -> u32 {
    1
}

/// Whatever version was read, a handle is written as this release's: it holds this release's
/// fields.
fn current_version<S: serde::Serializer>(_: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(HANDLE_VERSION)
}

fn known_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(d)?;
    match version {
        1..=HANDLE_VERSION => Ok(version),
        0 => Err(serde::de::Error::custom(
            "a remote workflow handle cannot have version 0; versions start at 1",
        )),
        _ => Err(serde::de::Error::custom(format!(
            "a remote workflow handle of version {version} was written by a newer temporal-bridge; \
             this one reads versions 1 to {HANDLE_VERSION}"
        ))),
    }
}

impl<T> Clone for RemoteWorkflowHandle<T> {
    fn clone(&self) -> Self {
        Self {
            version: self.version,
            method: self.method.clone(),
            activity_type: self.activity_type.clone(),
            bridge_queue: self.bridge_queue.clone(),
            cluster: self.cluster.clone(),
            workflow_type: self.workflow_type.clone(),
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone(),
            timeouts: self.timeouts,
            on_cancel: self.on_cancel,
            _output: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for RemoteWorkflowHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteWorkflowHandle")
            .field("method", &self.method)
            .field("cluster", &self.cluster)
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl<T> RemoteWorkflowHandle<T> {
    fn new(spec: &MethodSpec, timeouts: CallTimeouts, started: RemoteStarted) -> Self {
        RemoteWorkflowHandle {
            version: HANDLE_VERSION,
            method: spec.label().to_owned(),
            activity_type: spec.activity_type.to_owned(),
            bridge_queue: spec.bridge_queue.to_owned(),
            cluster: spec.cluster.to_owned(),
            workflow_type: spec.target_name().to_owned(),
            workflow_id: started.workflow_id,
            run_id: started.run_id,
            timeouts,
            on_cancel: on_cancel_of(spec),
            _output: PhantomData,
        }
    }
}

impl<T: TemporalDeserializable + 'static> RemoteWorkflowHandle<T> {
    /// The remote workflow's id on its cluster.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The run that was started, if the start created or found a running one.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// The destination cluster's name.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// Waits for the remote workflow's result through the bridge (its wait activity), following
    /// continue-as-new; outcomes are typed as for a direct call.
    ///
    /// This is a long wait: its activity heartbeats against the method's
    /// `long_wait_heartbeat_timeout`, so waiting costs the source cluster about one write per
    /// 0.8 × that timeout. Cancelling the waiting workflow applies the method's `on_cancel`
    /// through a separate activity at once, rather than at the wait's next heartbeat.
    pub async fn result<W>(&self, ctx: &WorkflowContext<W>) -> Result<T, BridgeError> {
        let timeouts = CallTimeouts {
            heartbeat: self.timeouts.long_wait_heartbeat,
            ..self.timeouts
        };
        // The remote workflow is acted on below; the wait itself is only let go.
        let waited = self
            .run_part(ctx, WAIT_SUFFIX, "wait for", timeouts, Cancel::LetGo)
            .await;
        match waited {
            Err(cancelled @ BridgeError::Cancelled { .. })
                if self.on_cancel != OnCancel::Abandon =>
            {
                let header = CallHeader {
                    caller_cancelled: true,
                    ..self.header()
                };
                // Not a heartbeat away: a fresh activity task, which a bridge picks up at once.
                self.run_part_with::<W, ()>(
                    ctx,
                    CANCEL_SUFFIX,
                    "cancel",
                    header,
                    self.timeouts,
                    Cancel::Detached,
                )
                .await?;
                Err(cancelled)
            }
            other => other,
        }
    }

    /// Requests cancellation of the remote workflow through the bridge; returns once the
    /// remote cluster has the request (or the workflow had already closed). Its `result` then
    /// reports how it ended, typically `BridgeError::RemoteCancelled`.
    pub async fn cancel<W>(&self, ctx: &WorkflowContext<W>) -> Result<(), BridgeError> {
        // Cancelling the caller while it cancels the remote workflow leaves that request be.
        self.run_part(ctx, CANCEL_SUFFIX, "cancel", self.timeouts, Cancel::LetGo)
            .await
    }

    /// The header of a part on the remote workflow's id.
    fn header(&self) -> CallHeader {
        CallHeader {
            remote_workflow_id: Some(self.workflow_id.clone()),
            ..CallHeader::default()
        }
    }

    /// Runs the handle's `suffix` bridge activity on the remote workflow's id.
    async fn run_part<W, R: TemporalDeserializable + 'static>(
        &self,
        ctx: &WorkflowContext<W>,
        suffix: &str,
        what: &str,
        timeouts: CallTimeouts,
        cancel: Cancel,
    ) -> Result<R, BridgeError> {
        self.run_part_with(ctx, suffix, what, self.header(), timeouts, cancel)
            .await
    }

    /// [`Self::run_part`] with its own `header`.
    async fn run_part_with<W, R: TemporalDeserializable + 'static>(
        &self,
        ctx: &WorkflowContext<W>,
        suffix: &str,
        what: &str,
        header: CallHeader,
        timeouts: CallTimeouts,
        cancel: Cancel,
    ) -> Result<R, BridgeError> {
        let target = Target {
            method: self.method.clone(),
            activity_type: format!("{}{suffix}", self.activity_type),
            bridge_queue: self.bridge_queue.clone(),
            summary: format!("{what} {} on cluster {}", self.workflow_type, self.cluster),
            timeouts,
            cancel,
            bridge_retry: None,
        };
        let payloads = encode::<W, ()>(ctx, &target.method, &header, None)?;
        let raw = schedule(ctx, &target, payloads).await?;
        decode_output(ctx, &target.method, raw)
    }
}

/// The remote workflow a signal, query or update goes to: a workflow id, or a handle's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteTarget {
    /// The remote workflow's id (its latest run is the target).
    pub workflow_id: String,
}

impl From<&str> for RemoteTarget {
    fn from(workflow_id: &str) -> Self {
        RemoteTarget {
            workflow_id: workflow_id.to_owned(),
        }
    }
}

impl From<String> for RemoteTarget {
    fn from(workflow_id: String) -> Self {
        RemoteTarget { workflow_id }
    }
}

impl From<&String> for RemoteTarget {
    fn from(workflow_id: &String) -> Self {
        RemoteTarget {
            workflow_id: workflow_id.clone(),
        }
    }
}

impl<T> From<&RemoteWorkflowHandle<T>> for RemoteTarget {
    fn from(handle: &RemoteWorkflowHandle<T>) -> Self {
        RemoteTarget {
            workflow_id: handle.workflow_id.clone(),
        }
    }
}

/// Where and how one bridge activity is scheduled.
struct Target {
    method: String,
    activity_type: String,
    bridge_queue: String,
    summary: String,
    timeouts: CallTimeouts,
    cancel: Cancel,
    bridge_retry: Option<RetrySpec>,
}

/// What cancelling the caller does to one bridge activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cancel {
    /// The call resolves once the bridge has acted on the remote workflow (which it learns at
    /// the activity's next heartbeat): `on_cancel = "cancel"` or `"terminate"`.
    AwaitBridge,
    /// The call resolves at once; the bridge lets the activity go at its next heartbeat.
    LetGo,
    /// The activity runs to its end even though the caller is cancelled: the act on the remote
    /// workflow that follows a cancelled long wait.
    Detached,
}

impl Target {
    fn of(spec: &MethodSpec, options: &CallOptions, suffix: &str) -> Target {
        Target {
            method: spec.label().to_owned(),
            activity_type: format!("{}{suffix}", spec.activity_type),
            bridge_queue: spec.bridge_queue.to_owned(),
            summary: format!("{} on cluster {}", spec.target_name(), spec.cluster),
            timeouts: options.timeouts_for(spec),
            cancel: match on_cancel_of(spec) {
                OnCancel::Abandon => Cancel::LetGo,
                OnCancel::Cancel | OnCancel::Terminate => Cancel::AwaitBridge,
            },
            bridge_retry: spec.bridge_retry,
        }
    }
}

/// What cancelling a call of `spec` does: the remote workflow's `on_cancel`; a signal, query or
/// update waits for its request to be dropped, as `cancel` does.
fn on_cancel_of(spec: &MethodSpec) -> OnCancel {
    spec.workflow().map_or(OnCancel::Cancel, |w| w.on_cancel)
}

fn header_of(options: &CallOptions) -> CallHeader {
    CallHeader {
        remote_workflow_id: options.remote_workflow_id.clone(),
        execution_timeout_ms: options.execution_timeout.map(millis),
        run_timeout_ms: options.run_timeout.map(millis),
        fail_stuck_after_ms: options.on_stuck.map(|s| match s {
            OnStuck::Wait => 0,
            // At least a millisecond: 0 means wait.
            OnStuck::Fail { after } => millis(after).max(1),
        }),
        ..CallHeader::default()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The bridge activity's input: the call header, then the arguments.
fn encode<W, A: TemporalSerializable + 'static>(
    ctx: &WorkflowContext<W>,
    method: &str,
    header: &CallHeader,
    args: Option<&A>,
) -> Result<Vec<Payload>, BridgeError> {
    let mut payloads = vec![encode_header(ctx, method, header)?];
    if let Some(args) = args {
        payloads.extend(encode_args(ctx, method, args)?);
    }
    Ok(payloads)
}

fn encode_header<W>(
    ctx: &WorkflowContext<W>,
    method: &str,
    header: &CallHeader,
) -> Result<Payload, BridgeError> {
    with_converter(ctx, |converter, sctx| converter.to_payload(sctx, header))
        .map_err(|e| payload_error(method, "cannot encode the call header", &e))
}

fn encode_args<W, A: TemporalSerializable + 'static>(
    ctx: &WorkflowContext<W>,
    method: &str,
    args: &A,
) -> Result<Vec<Payload>, BridgeError> {
    with_converter(ctx, |converter, sctx| converter.to_payloads(sctx, args))
        .map_err(|e| payload_error(method, "cannot encode the arguments", &e))
}

fn payload_error(method: &str, what: &str, e: &dyn std::fmt::Display) -> BridgeError {
    BridgeError::Payload {
        method: method.to_owned(),
        message: format!("{what}: {e}"),
    }
}

/// Runs `f` with the workflow's payload converter and its serialization context.
fn with_converter<W, R>(
    ctx: &WorkflowContext<W>,
    f: impl FnOnce(&PayloadConverter, &SerializationContext<'_>) -> R,
) -> R {
    let converter = ctx.payload_converter();
    let data = SerializationContextData::Workflow(WorkflowSerializationContext::new());
    f(converter, &SerializationContext::new(&data, converter))
}

/// Runs one bridge activity and maps its failure to the typed error.
async fn schedule<W>(
    ctx: &WorkflowContext<W>,
    target: &Target,
    payloads: Vec<Payload>,
) -> Result<RawValue, BridgeError> {
    let activity_options = ActivityOptions::with_start_to_close_timeout(target.timeouts.attempt)
        .task_queue(target.bridge_queue.clone())
        .heartbeat_timeout(target.timeouts.heartbeat)
        .cancellation_type(match target.cancel {
            Cancel::AwaitBridge => ActivityCancellationType::WaitCancellationCompleted,
            Cancel::LetGo | Cancel::Detached => ActivityCancellationType::TryCancel,
        })
        .maybe_cancellation_token(
            (target.cancel == Cancel::Detached).then(WorkflowCancellationToken::new),
        )
        .retry_policy(target.bridge_retry.map_or_else(bridge_retry_policy, |r| {
            let final_ones: Vec<_> = wire::Failure::non_retryable_type_names().collect();
            r.to_policy(&final_ones)
        }))
        .summary(target.summary.clone())
        .build();
    let outcome = ctx
        .execute_activity(
            UntypedActivity::new(target.activity_type.clone()),
            RawValue::new(payloads),
            activity_options,
        )
        .await;
    outcome.map_err(|e| {
        with_converter(ctx, |converter, sctx| {
            error_from_activity(&target.method, converter, sctx, e)
        })
    })
}

fn decode_output<W, T: TemporalDeserializable + 'static>(
    ctx: &WorkflowContext<W>,
    method: &str,
    raw: RawValue,
) -> Result<T, BridgeError> {
    with_converter(ctx, |converter, sctx| {
        converter.from_payloads(sctx, raw.payloads)
    })
    .map_err(|e| payload_error(method, "cannot decode the remote workflow's result", &e))
}

/// Turns the bridge activity's failure into the typed error, reading the stable failure type
/// and the details the bridge attached.
fn error_from_activity(
    method: &str,
    converter: &PayloadConverter,
    sctx: &SerializationContext<'_>,
    err: ActivityExecutionError,
) -> BridgeError {
    let method = method.to_owned();
    let failure = match &err {
        ActivityExecutionError::Cancelled(_) => return BridgeError::Cancelled { method },
        ActivityExecutionError::Serialization(e) => {
            return BridgeError::Payload {
                method,
                message: e.to_string(),
            };
        }
        _ => match err.cause() {
            Some(cause) => cause.failure().clone(),
            None => {
                return BridgeError::Bridge {
                    method,
                    failure_type: String::new(),
                    message: err.to_string(),
                };
            }
        },
    };
    if let Some(IncomingError::Cancelled(_)) = err.cause() {
        return BridgeError::Cancelled { method };
    }
    let Some(FailureInfo::ApplicationFailureInfo(app)) = &failure.failure_info else {
        // A timeout (start-to-close, heartbeat, schedule-to-close) or another non-application
        // failure of the activity itself.
        return BridgeError::Bridge {
            method,
            failure_type: String::new(),
            message: failure.message.clone(),
        };
    };
    let details: FailureDetails = app
        .details
        .as_ref()
        .and_then(|d| d.payloads.first().cloned())
        .and_then(|p| converter.from_payload(sctx, p).ok())
        .unwrap_or_default();
    typed_error(method, &app.r#type, &failure, details)
}

/// The typed error of a bridge failure of stable type `failure_type`.
fn typed_error(
    method: String,
    failure_type: &str,
    failure: &Failure,
    details: FailureDetails,
) -> BridgeError {
    let remote_workflow_id = details.remote_workflow_id.unwrap_or_default();
    let message = failure.message.clone();
    match wire::Failure::from_type_name(failure_type) {
        Some(wire::Failure::RemoteFailed) => {
            let (failure_type, message) = remote_cause(failure);
            BridgeError::RemoteFailed {
                method,
                remote_workflow_id,
                failure_type,
                message,
            }
        }
        Some(wire::Failure::RemoteCancelled) => BridgeError::RemoteCancelled {
            method,
            remote_workflow_id,
        },
        Some(wire::Failure::RemoteTerminated) => BridgeError::RemoteTerminated {
            method,
            remote_workflow_id,
        },
        Some(wire::Failure::RemoteTimedOut) => BridgeError::RemoteTimedOut {
            method,
            remote_workflow_id,
        },
        Some(wire::Failure::RemoteNotFound) => BridgeError::RemoteNotFound {
            method,
            remote_workflow_id,
        },
        Some(wire::Failure::RemoteStuck) => BridgeError::RemoteStuck {
            method,
            remote_workflow_id,
            reason: message,
        },
        Some(wire::Failure::Rejected) => BridgeError::StartRejected {
            method,
            cluster: details.cluster,
            message,
        },
        Some(wire::Failure::BadPayload) => BridgeError::Payload { method, message },
        Some(refused) if let Some(refusal) = crate::error::Refusal::of(refused) => {
            BridgeError::Refused {
                method,
                remote_workflow_id,
                refusal,
                message,
            }
        }
        _ => BridgeError::Bridge {
            method,
            failure_type: failure_type.to_owned(),
            message,
        },
    }
}

/// The remote failure that the bridge kept as the cause: its own type and message.
fn remote_cause(failure: &Failure) -> (String, String) {
    match failure.cause.as_deref() {
        Some(cause) => {
            let kind = match &cause.failure_info {
                Some(FailureInfo::ApplicationFailureInfo(app)) => app.r#type.clone(),
                _ => String::new(),
            };
            (kind, cause.message.clone())
        }
        None => (String::new(), failure.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle_json(version: Option<u32>) -> serde_json::Value {
        let mut record = serde_json::json!({
            "method": "Fulfillment.fulfill",
            "activity_type": "bridge.Fulfillment.fulfill",
            "bridge_queue": "temporal-bridge",
            "cluster": "b",
            "workflow_type": "FulfillmentWorkflow",
            "workflow_id": "fulfill-1",
            "run_id": null,
            "timeouts": CallTimeouts::DEFAULT,
            "on_cancel": "cancel",
        });
        if let Some(v) = version {
            record["version"] = v.into();
        }
        record
    }

    #[test]
    fn a_handle_kept_before_versions_reads_as_version_1_and_writes_its_version() {
        let h: RemoteWorkflowHandle<String> = serde_json::from_value(handle_json(None)).unwrap();
        assert_eq!(h.workflow_id(), "fulfill-1");
        let written = serde_json::to_value(&h).unwrap();
        assert_eq!(written["version"], HANDLE_VERSION);
        let again: RemoteWorkflowHandle<String> = serde_json::from_value(written).unwrap();
        assert_eq!(again.cluster(), "b");
    }

    #[test]
    fn a_handle_from_a_newer_release_is_refused_naming_its_version() {
        let e = serde_json::from_value::<RemoteWorkflowHandle<String>>(handle_json(Some(2)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 2") && e.contains("newer"), "{e}");
    }

    #[test]
    fn a_template_id_is_computed_only_when_the_options_name_none() {
        let named = CallOptions::new()
            .remote_workflow_id("given")
            .or_remote_id_with(|| panic!("the template must not run"));
        assert_eq!(named.remote_workflow_id.as_deref(), Some("given"));
        let templated = CallOptions::new().or_remote_id_with(|| "from-template".to_owned());
        assert_eq!(
            templated.remote_workflow_id.as_deref(),
            Some("from-template")
        );
    }

    #[test]
    fn a_remote_failure_without_a_type_reads_without_empty_parentheses() {
        let failed = |failure_type: &str| BridgeError::RemoteFailed {
            method: "Fulfillment.fulfill".into(),
            remote_workflow_id: "fulfill-1".into(),
            failure_type: failure_type.into(),
            message: "out of stock".into(),
        };
        assert_eq!(
            failed("").to_string(),
            "remote workflow `fulfill-1` of Fulfillment.fulfill failed: out of stock"
        );
        assert_eq!(
            failed("OutOfStock").to_string(),
            "remote workflow `fulfill-1` of Fulfillment.fulfill failed (OutOfStock): out of stock"
        );
    }
}
