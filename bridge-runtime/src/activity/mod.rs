//! The bridge activity: what runs on the bridge worker for each remote workflow method.
//!
//! One call is: read the header, fix the remote workflow id, start the remote workflow with
//! id-conflict policy UseExisting and id-reuse policy RejectDuplicate, and long-poll its close
//! event while heartbeating. Every step is idempotent, so any attempt on any bridge process
//! reaches the same single remote execution. When the caller is cancelled, the remote workflow
//! is cancelled, terminated or left alone per the method's `on_cancel`; a stop for any other
//! reason (shutdown, a timed-out attempt) never touches it.

mod failure;

use crate::{
    ids::{CallSite, default_remote_id, finalize_id},
    metrics::{AttemptGuard, Outcome},
    pool::ClusterPool,
    spec::{IdReuse, MethodKind, MethodSpec, OnCancel, RemoteWorkflowMethod},
    wire::{
        CallHeader, Failure, ROUTING_FIELDS, RemoteStarted, TRACE_HEADER, UpdateWithStartResult,
        WaitProgress,
    },
};
use failure::ReadFailure;
use futures::{FutureExt, future::BoxFuture};
use std::{marker::PhantomData, sync::Arc, time::Duration};
use temporalio_client::{
    Client, UntypedQuery, UntypedSignal, UntypedUpdate, WorkflowCancelOptions,
    WorkflowDescribeOptions, WorkflowGetResultOptions, WorkflowHandle, WorkflowIdConflictPolicy,
    WorkflowIdReusePolicy, WorkflowStartOptions, WorkflowTerminateOptions,
    WorkflowUpdateWithStartOptions,
    errors::{WorkflowInteractionError, WorkflowStartError},
};
use temporalio_common::{
    ActivityDefinition, UntypedWorkflow,
    data_converters::{
        GenericPayloadConverter, PayloadConversionError, PayloadConverter, RawValue,
        SerializationContext, SerializationContextData, TemporalDeserializable,
    },
    protos::temporal::api::{
        common::v1::{Header, Payload},
        enums::v1::PendingActivityState,
    },
};
use temporalio_sdk::activities::{
    ActivityContext, ActivityDefinitions, ActivityError, ActivityImplementer, ExecutableActivity,
};
use tracing::{Instrument, debug, info, info_span, warn};

type RemoteHandle = WorkflowHandle<Client, UntypedWorkflow>;

/// State shared by every bridge activity of one bridge worker.
#[derive(Debug)]
pub struct BridgeShared {
    /// The clusters.
    pub pool: ClusterPool,
    /// The pool name of the cluster this worker polls, part of every default id.
    pub source_cluster: String,
    /// Longest remote workflow id to send.
    pub max_id_len: usize,
    /// The bridge's own metrics.
    pub metrics: Arc<crate::metrics::BridgeMetrics>,
}

/// The bridge activity of method `M`: the whole call, `bridge.{Trait}.{method}`.
pub type BridgeActivity<M> = PartActivity<M, WholeCall>;

/// Holds the shared state for method `M`'s activity; the SDK calls it the implementer.
pub struct MethodHost<M> {
    shared: Arc<BridgeShared>,
    _method: PhantomData<fn() -> M>,
}

impl<M> MethodHost<M> {
    pub(crate) fn new(shared: Arc<BridgeShared>) -> Self {
        Self {
            shared,
            _method: PhantomData,
        }
    }
}

impl<M: RemoteWorkflowMethod> ActivityImplementer for MethodHost<M> {
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        defs.register_activity::<BridgeActivity<M>>(self.clone());
        // Handles exist only for remote workflows.
        if M::SPEC.kind == MethodKind::Workflow {
            defs.register_activity::<PartActivity<M, StartPart>>(self.clone());
            defs.register_activity::<PartActivity<M, WaitPart>>(self.clone());
            defs.register_activity::<PartActivity<M, CancelPart>>(self);
        } else if M::SPEC.with_start.is_some() {
            defs.register_activity::<PartActivity<M, WithStartPart>>(self);
        }
    }
}

/// Which part of a call an activity runs: all of it, the start, the wait, a handle's cancel, or a
/// signal- or update-with-start.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Call,
    Start,
    Wait,
    Cancel,
    WithStart,
}

/// Selects a [`PartActivity`]'s part at the type level.
pub trait CallPart: 'static {
    /// The activity type's suffix after `bridge.{Trait}.{method}`.
    const SUFFIX: &'static str;
    /// The part it runs.
    const PART: Part;
}

/// The whole call: `bridge.{Trait}.{method}`.
pub struct WholeCall;
/// The start-only part: `bridge.{Trait}.{method}.start`.
pub struct StartPart;
/// The wait-only part: `bridge.{Trait}.{method}.wait`.
pub struct WaitPart;
/// The cancel part of a handle: `bridge.{Trait}.{method}.cancel`.
pub struct CancelPart;
/// Signal-with-start or update-with-start: `bridge.{Trait}.{method}.with_start`.
pub struct WithStartPart;

impl CallPart for WithStartPart {
    const SUFFIX: &'static str = crate::wire::WITH_START_SUFFIX;
    const PART: Part = Part::WithStart;
}

impl CallPart for WholeCall {
    const SUFFIX: &'static str = "";
    const PART: Part = Part::Call;
}
impl CallPart for StartPart {
    const SUFFIX: &'static str = crate::wire::START_SUFFIX;
    const PART: Part = Part::Start;
}
impl CallPart for WaitPart {
    const SUFFIX: &'static str = crate::wire::WAIT_SUFFIX;
    const PART: Part = Part::Wait;
}
impl CallPart for CancelPart {
    const SUFFIX: &'static str = crate::wire::CANCEL_SUFFIX;
    const PART: Part = Part::Cancel;
}

/// A bridge activity of method `M`: the whole call, or one part of it (`P`).
pub struct PartActivity<M, P>(String, PhantomData<fn() -> (M, P)>);

impl<M: RemoteWorkflowMethod, P: CallPart> ActivityDefinition for PartActivity<M, P> {
    type Input = RawValue;
    type Output = RawValue;
    fn name(&self) -> &str {
        &self.0
    }
}

impl<M: RemoteWorkflowMethod, P: CallPart> ExecutableActivity for PartActivity<M, P> {
    type Implementer = MethodHost<M>;
    const REQUIRES_INSTANCE: bool = true;

    fn definition() -> Self {
        PartActivity(
            format!("{}{}", M::SPEC.activity_type, P::SUFFIX),
            PhantomData,
        )
    }

    fn execute(
        receiver: Option<Arc<Self::Implementer>>,
        ctx: ActivityContext,
        input: RawValue,
    ) -> BoxFuture<'static, Result<RawValue, ActivityError>> {
        let part = P::PART;
        match receiver {
            Some(host) => run_call(
                host.shared.clone(),
                &M::SPEC,
                check_args::<M::Args>,
                ctx,
                input.payloads,
                part,
            )
            .boxed(),
            None => futures::future::ready(Err(Failure::Bridge.error(
                &M::SPEC,
                None,
                "bridge activity invoked without its host",
            )))
            .boxed(),
        }
    }
}

/// Checks argument payloads against the method's declared arguments.
type ArgsCheck = fn(&[Payload]) -> Result<(), String>;

/// Encodings the bridge reads to check arguments: those of every SDK's default JSON converter.
/// Arguments in any other encoding (a codec's encrypted output, say) are passed on unread: the
/// bridge is not meant to hold the keys of the workflows it carries.
const CHECKED_ENCODINGS: [&[u8]; 2] = [b"json/plain", b"binary/null"];

/// Whether `payloads` decode as `A`, the method's declared arguments.
///
/// A call whose arguments the remote worker cannot decode does not fail there: the SDK fails the
/// remote workflow's *task* and retries it until the workflow times out, so the caller would
/// wait for nothing. The bridge knows the declared types, so it refuses such a call at once.
fn check_args<A: TemporalDeserializable + 'static>(payloads: &[Payload]) -> Result<(), String> {
    let opaque = payloads.iter().any(|p| {
        p.metadata
            .get("encoding")
            .is_none_or(|e| !CHECKED_ENCODINGS.contains(&e.as_slice()))
    });
    if opaque {
        return Ok(());
    }
    // One converter for every call: building it allocates.
    static CONVERTER: std::sync::LazyLock<PayloadConverter> =
        std::sync::LazyLock::new(PayloadConverter::default);
    let converter = &*CONVERTER;
    let data = SerializationContextData::None;
    let context = SerializationContext::new(&data, converter);
    let declared = std::any::type_name::<A>();
    match converter.from_payloads::<A>(&context, payloads.to_vec()) {
        Ok(_) => Ok(()),
        Err(PayloadConversionError::WrongEncoding) => Err(format!(
            "{} argument payload(s) do not match the declared arguments `{declared}`",
            payloads.len()
        )),
        Err(e) => Err(format!(
            "the arguments do not decode as the declared `{declared}`: {e}"
        )),
    }
}

/// Runs one attempt of a bridged call.
async fn run_call(
    shared: Arc<BridgeShared>,
    spec: &'static MethodSpec,
    check_args: ArgsCheck,
    ctx: ActivityContext,
    mut payloads: Vec<Payload>,
    part: Part,
) -> Result<RawValue, ActivityError> {
    let info = ctx.info().clone();
    if payloads.is_empty() {
        return Err(Failure::BadPayload.error(
            spec,
            None,
            "input has no call header (the first payload must be a JSON object)",
        ));
    }
    let header = decode_header(spec, &payloads.remove(0))?;
    let header_start_args = header.start_args;
    // The caller's overrides of the method's remote timeouts, and its trace context.
    let remote_start = RemoteStart {
        trace: ctx.headers().get(TRACE_HEADER).cloned(),
        execution: header
            .execution_timeout_ms
            .map(Duration::from_millis)
            .or(spec.execution_timeout),
        run: header
            .run_timeout_ms
            .map(Duration::from_millis)
            .or(spec.run_timeout),
    };
    let raw_id = match header.remote_workflow_id {
        Some(id) if !id.is_empty() => id,
        Some(_) => {
            return Err(Failure::BadPayload.error(
                spec,
                None,
                "call header has an empty remote_workflow_id",
            ));
        }
        None if matches!(part, Part::Wait | Part::Cancel)
            || (spec.kind != MethodKind::Workflow && part != Part::WithStart) =>
        {
            return Err(Failure::BadPayload.error(
                spec,
                None,
                "this call needs the remote workflow's id in remote_workflow_id",
            ));
        }
        None => {
            let (Some(workflow_id), Some(run_id)) =
                (info.workflow_id.as_deref(), info.workflow_run_id.as_deref())
            else {
                return Err(Failure::BadPayload.error(
                    spec,
                    None,
                    "a call from outside a workflow must set remote_workflow_id in its header",
                ));
            };
            // A with-start call's id is the started workflow method's.
            let named = match part {
                Part::WithStart => spec.with_start.unwrap_or(spec),
                _ => spec,
            };
            default_remote_id(
                named.trait_name,
                named.method,
                &CallSite {
                    source_cluster: &shared.source_cluster,
                    namespace: &info.namespace,
                    workflow_id,
                    run_id,
                    position: &info.activity_id,
                },
            )
        }
    };
    let remote_id = finalize_id(&raw_id, shared.max_id_len);
    let start_args = header_start_args.unwrap_or(0).min(payloads.len());
    // A handle's wait and cancel carry no arguments: nothing to check.
    let args = match part {
        Part::Wait | Part::Cancel => None,
        Part::WithStart => Some(&payloads[start_args..]),
        Part::Call | Part::Start => Some(&payloads[..]),
    };
    if let Some(Err(message)) = args.map(check_args) {
        warn!(
            method = %spec.label(),
            remote_workflow_id = %remote_id,
            %message,
            "call refused: its arguments do not fit the method"
        );
        return Err(Failure::BadPayload.error(
            spec,
            Some(&remote_id),
            format!("{}: {message}", spec.label()),
        ));
    }
    let mut attempt = shared.metrics.attempt(spec);
    let metered = &attempt;
    let span = info_span!(
        "bridge_call",
        method = %spec.label(),
        source_cluster = %shared.source_cluster,
        destination_cluster = spec.cluster,
        source_workflow_id = info.workflow_id.as_deref().unwrap_or(""),
        remote_workflow_id = %remote_id,
        remote_queue = spec.queue,
        attempt = info.attempt,
    );
    let result = async move {
        // Everything up to the wait is requests to the destination: heartbeat through them.
        let request = async {
            let client = shared.pool.client(spec.cluster).await.map_err(|e| {
                warn!(error = %e, "destination cluster unavailable; the call will be retried");
                Failure::ClusterUnavailable.error(spec, Some(&remote_id), e.to_string())
            })?;
            if part == Part::WithStart {
                let handler_args = payloads.split_off(start_args);
                let done = with_start(
                    &client,
                    spec,
                    &remote_id,
                    payloads,
                    handler_args,
                    &remote_start,
                    &info.activity_id,
                )
                .await?;
                return Ok(Step::Done(done));
            }
            if spec.kind != MethodKind::Workflow {
                let done = handler_call(&client, spec, &remote_id, payloads).await?;
                return Ok(Step::Done(done));
            }
            if part == Part::Cancel {
                return Ok(Step::Done(
                    cancel_by_handle(&client, spec, &remote_id).await?,
                ));
            }
            let handle = match part {
                Part::Wait | Part::Cancel | Part::WithStart => {
                    client.get_workflow_handle::<UntypedWorkflow>(&remote_id)
                }
                Part::Call | Part::Start => {
                    // A handle without a run id is an attach to a closed execution. Attaching
                    // to a running one is counted as fresh: the SDK's start does not say.
                    start_or_attach(&client, spec, &remote_id, payloads, &remote_start)
                        .await
                        .inspect(|h| metered.started(h.run_id().is_some()))
                        .inspect_err(|_| metered.start_error())?
                }
            };
            if part == Part::Start {
                let started = RemoteStarted {
                    workflow_id: remote_id.clone(),
                    run_id: handle.run_id().map(str::to_owned),
                };
                return Ok(Step::Done(RawValue::new(vec![json_payload(&started)])));
            }
            Ok::<_, ActivityError>(Step::Wait(client, handle))
        };
        let requesting = progress(spec, &remote_id, None);
        match heartbeating(&ctx, requesting, metered, request).await? {
            Step::Done(done) => Ok(done),
            Step::Wait(client, handle) => {
                wait(&client, handle, spec, &ctx, &remote_id, metered).await
            }
        }
    }
    .instrument(span)
    .await;
    attempt.finish(if result.is_ok() {
        Outcome::Ok
    } else {
        Outcome::Error
    });
    result
}

/// Where an attempt stands once its requests to the destination are made.
enum Step {
    /// The part is done: this is its result.
    Done(RawValue),
    /// The remote workflow runs: wait for it.
    Wait(Client, RemoteHandle),
}

/// Signal-with-start or update-with-start: starts `spec.with_start`'s workflow under
/// `remote_id` (or finds the running one) and delivers the signal or update to it.
///
/// A signal is delivered at least once: if this attempt dies after the server took the signal,
/// the retry delivers it again. An update is delivered once: its update id is derived from the
/// call.
async fn with_start(
    client: &Client,
    spec: &'static MethodSpec,
    remote_id: &str,
    start_args: Vec<Payload>,
    handler_args: Vec<Payload>,
    start: &RemoteStart,
    call_position: &str,
) -> Result<RawValue, ActivityError> {
    let Some(started) = spec.with_start else {
        return Err(Failure::Bridge.error(
            spec,
            Some(remote_id),
            "this method declares no with_start workflow",
        ));
    };
    let workflow = UntypedWorkflow::new(started.workflow_type);
    let reuse = id_reuse_policy(started);
    match spec.kind {
        MethodKind::Signal(name) => {
            let options = start_options(started, remote_id, start);
            let result = client
                .signal_with_start_workflow(
                    workflow,
                    RawValue::new(start_args),
                    UntypedSignal::new(name),
                    RawValue::new(handler_args),
                    options,
                )
                .await;
            match result {
                Ok(handle) => Ok(RawValue::new(vec![json_payload(&RemoteStarted {
                    workflow_id: remote_id.to_owned(),
                    run_id: handle.run_id().map(str::to_owned),
                })])),
                Err(e) => Err(e.failure(spec, remote_id)),
            }
        }
        MethodKind::Update(name) => {
            let options = WorkflowUpdateWithStartOptions::new(
                started.queue,
                remote_id,
                WorkflowIdConflictPolicy::UseExisting,
            )
            .id_reuse_policy(reuse)
            .maybe_execution_timeout(start.execution)
            .maybe_run_timeout(start.run)
            .maybe_retry_policy(started.workflow_retry.map(|r| r.to_policy(&[])))
            .update_id(format!("{remote_id}/update/{call_position}"))
            .build();
            let result = client
                .execute_update_with_start_workflow(
                    workflow,
                    RawValue::new(start_args),
                    UntypedUpdate::new(name),
                    RawValue::new(handler_args),
                    options,
                )
                .await;
            match result {
                // An activity result is one payload: the start record and the update's result
                // travel together, the result's payload unchanged inside.
                Ok(output) => Ok(RawValue::new(vec![json_payload(&UpdateWithStartResult {
                    started: RemoteStarted {
                        workflow_id: remote_id.to_owned(),
                        run_id: None,
                    },
                    result: output
                        .payloads
                        .into_iter()
                        .next()
                        .unwrap_or_else(null_payload)
                        .into(),
                })])),
                Err(e) => Err(e.failure(spec, remote_id)),
            }
        }
        _ => Err(Failure::Bridge.error(
            spec,
            Some(remote_id),
            "only signals and updates can start a workflow",
        )),
    }
}

/// Requests cancellation of the remote workflow `remote_id` for a handle's `cancel`. Already
/// closed is fine: there is nothing left to cancel.
async fn cancel_by_handle(
    client: &Client,
    spec: &'static MethodSpec,
    remote_id: &str,
) -> Result<RawValue, ActivityError> {
    let remote = client.get_workflow_handle::<UntypedWorkflow>(remote_id);
    let reason = format!("cancelled through a handle of {}", spec.label());
    match remote
        .cancel(WorkflowCancelOptions::builder().reason(reason).build())
        .await
    {
        // Already closed, or gone: nothing left to cancel.
        Ok(()) | Err(WorkflowInteractionError::NotFound(_)) => Ok(null_result()),
        Err(e) => Err(e.failure(spec, remote_id)),
    }
}

/// Temporal's null payload, which reads as `()`.
fn null_payload() -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), b"binary/null".to_vec())].into(),
        ..Default::default()
    }
}

fn null_result() -> RawValue {
    RawValue::new(vec![null_payload()])
}

/// Sends a signal, or runs a query or an update, on the remote workflow `remote_id`.
async fn handler_call(
    client: &Client,
    spec: &'static MethodSpec,
    remote_id: &str,
    args: Vec<Payload>,
) -> Result<RawValue, ActivityError> {
    let remote = client.get_workflow_handle::<UntypedWorkflow>(remote_id);
    let input = RawValue::new(args);
    match spec.kind {
        MethodKind::Signal(name) => remote
            .signal(UntypedSignal::new(name), input, Default::default())
            .await
            .map(|()| null_result())
            .map_err(|e| e.failure(spec, remote_id)),
        MethodKind::Query(name) => remote
            .query(UntypedQuery::new(name), input, Default::default())
            .await
            .map_err(|e| e.failure(spec, remote_id)),
        MethodKind::Update(name) => remote
            .execute_update(UntypedUpdate::new(name), input, Default::default())
            .await
            .map_err(|e| e.failure(spec, remote_id)),
        MethodKind::Workflow => Err(Failure::Bridge.error(
            spec,
            Some(remote_id),
            "remote workflows are started, not sent to",
        )),
    }
}

/// A `json/plain` payload, as every SDK's default converter reads it.
fn json_payload<T: serde::Serialize>(value: &T) -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
        data: serde_json::to_vec(value).expect("serializing a plain struct cannot fail"),
        ..Default::default()
    }
}

fn decode_header(spec: &MethodSpec, payload: &Payload) -> Result<CallHeader, ActivityError> {
    let bad = |message: String| {
        let message = format!("{}: {message}", spec.label());
        Failure::BadPayload.error(spec, None, message)
    };
    let encoding = payload
        .metadata
        .get("encoding")
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    if encoding != "json/plain" {
        return Err(bad(format!(
            "call header must be a json/plain payload, got encoding `{encoding}`"
        )));
    }
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&payload.data)
        .map_err(|e| bad(format!("call header is not a valid JSON object: {e}")))?;
    // Other unknown fields are ignored, so that newer callers work with older bridges; these
    // would be an attempt to steer the bridge, which only the trait it was built with does.
    if let Some(field) = ROUTING_FIELDS.iter().find(|f| fields.contains_key(**f)) {
        return Err(bad(format!(
            "call header names `{field}`; a call's workflow type, task queue, cluster and \
             namespace are fixed by the trait this bridge was built with"
        )));
    }
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| bad(format!("call header is not valid: {e}")))
}

/// Heartbeats three times per heartbeat timeout (every second when the activity has none).
///
/// The first heartbeat is due one interval in, not now: a heartbeat at the start would be one
/// more write on the source cluster for every call, most of which finish well within it.
fn heartbeat_ticker(heartbeat_timeout: Option<Duration>) -> tokio::time::Interval {
    let every = heartbeat_timeout
        .map(|t| t / 3)
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_millis(100));
    tokio::time::interval_at(tokio::time::Instant::now() + every, every)
}

/// Runs `work` while heartbeating `progress`: a request to the destination (a start, a signal,
/// an update) or the wait for the remote result.
///
/// A bridge that is alive but waiting on the destination, through an outage or a slow answer,
/// keeps its attempt: the source cluster must not time it out and hand the call to another
/// bridge only to have it wait the same way. The request's own retries end it instead, with
/// an error that names the cluster. A dead bridge stops heartbeating and is replaced within one
/// heartbeat timeout.
async fn heartbeating<T>(
    ctx: &ActivityContext,
    progress: WaitProgress,
    attempt: &AttemptGuard,
    work: impl std::future::Future<Output = T>,
) -> T {
    let mut ticker = heartbeat_ticker(ctx.info().heartbeat_timeout);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = ticker.tick() => {
                match ctx.record_heartbeat(progress.clone()).await {
                    Ok(()) => attempt.heartbeat(),
                    Err(e) => warn!(error = %e, "could not record heartbeat"),
                }
            }
        }
    }
}

/// What a bridge activity heartbeats: the remote workflow it is bound to.
fn progress(spec: &MethodSpec, remote_id: &str, run_id: Option<&str>) -> WaitProgress {
    WaitProgress {
        remote_workflow_id: remote_id.to_owned(),
        remote_run_id: run_id.map(str::to_owned),
        cluster: spec.cluster.to_owned(),
    }
}

/// Starts the remote workflow, or finds the one execution that already has this id.
///
/// The returned handle names the started run, or no run (the id's latest) when attaching to a
/// closed execution.
///
/// How the remote workflow of one call is started: its timeouts, and the caller's trace context.
#[derive(Clone)]
struct RemoteStart {
    execution: Option<Duration>,
    run: Option<Duration>,
    /// The `_tracer-data` header of the caller's activity, passed on to the remote start so
    /// that one trace spans both clusters (see [`TRACE_HEADER`]).
    trace: Option<Payload>,
}

/// How the bridge starts `spec`'s workflow under `remote_id`: attach to a running execution
/// instead of failing, and (by default) never start a second one after the first has closed.
fn start_options(spec: &MethodSpec, remote_id: &str, start: &RemoteStart) -> WorkflowStartOptions {
    WorkflowStartOptions::new(spec.queue, remote_id)
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(id_reuse_policy(spec))
        .maybe_retry_policy(spec.workflow_retry.map(|r| r.to_policy(&[])))
        .maybe_execution_timeout(start.execution)
        .maybe_run_timeout(start.run)
        .maybe_header(start.trace.clone().map(|trace| Header {
            fields: [(TRACE_HEADER.to_owned(), trace)].into(),
        }))
        .build()
}

fn id_reuse_policy(spec: &MethodSpec) -> WorkflowIdReusePolicy {
    match spec.id_reuse {
        IdReuse::RejectDuplicate => WorkflowIdReusePolicy::RejectDuplicate,
        IdReuse::AllowDuplicateFailedOnly => WorkflowIdReusePolicy::AllowDuplicateFailedOnly,
    }
}

async fn start_or_attach(
    client: &Client,
    spec: &'static MethodSpec,
    remote_id: &str,
    args: Vec<Payload>,
    start: &RemoteStart,
) -> Result<RemoteHandle, ActivityError> {
    let options = start_options(spec, remote_id, start);
    match client
        .start_workflow(
            UntypedWorkflow::new(spec.workflow_type),
            RawValue::new(args),
            options,
        )
        .await
    {
        Ok(handle) => {
            debug!(remote_run_id = ?handle.run_id(), "remote workflow started or attached while running");
            Ok(handle)
        }
        Err(WorkflowStartError::AlreadyStarted { run_id, .. }) => {
            info!(remote_run_id = ?run_id, "remote workflow already closed; attaching to its result");
            Ok(client.get_workflow_handle::<UntypedWorkflow>(remote_id))
        }
        Err(e) => Err(e.failure(spec, remote_id)),
    }
}

/// Long-polls the remote workflow's close event, heartbeating so that a dead bridge is noticed
/// within one heartbeat timeout. Follows continue-as-new and retries to the final run.
async fn wait(
    client: &Client,
    handle: RemoteHandle,
    spec: &'static MethodSpec,
    ctx: &ActivityContext,
    remote_id: &str,
    attempt: &AttemptGuard,
) -> Result<RawValue, ActivityError> {
    let progress = progress(spec, remote_id, handle.run_id());
    let waited = heartbeating(ctx, progress, attempt, async {
        tokio::select! {
            r = handle.get_result(WorkflowGetResultOptions::default()) => Some(r),
            _ = ctx.cancelled() => None,
        }
    })
    .await;
    let Some(outcome) = waited else {
        on_cancelled(client, spec, ctx, remote_id).await;
        return Err(ActivityError::cancelled());
    };
    match outcome {
        Ok(raw) => {
            info!("remote workflow completed");
            Ok(raw)
        }
        Err(e) => {
            let failure = e.read(spec, remote_id);
            match failure.kind() {
                Failure::Transport => attempt.wait_error(),
                kind => info!(
                    failure = kind.type_name(),
                    message = failure.message(),
                    "remote workflow ended without a result"
                ),
            }
            Err(failure.into_error(spec, Some(remote_id)))
        }
    }
}

/// The activity was cancelled: act on the remote workflow per `on_cancel`, but only if the
/// caller asked for it.
///
/// The SDK does not say why an activity is cancelled: the caller's request, this bridge shutting
/// down, or an attempt that the source cluster already timed out all look the same. Only the
/// first may touch the remote workflow (the others are retried, and the retry attaches to it), so
/// the bridge asks the source cluster whether this activity is cancel-requested.
async fn on_cancelled(client: &Client, spec: &MethodSpec, ctx: &ActivityContext, remote_id: &str) {
    if !cancel_requested(ctx).await {
        info!(
            "bridge activity stopped without a cancel request; the remote workflow is left for the next attempt"
        );
        return;
    }
    let remote = client.get_workflow_handle::<UntypedWorkflow>(remote_id);
    let reason = format!("the caller of {} was cancelled", spec.label());
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=CANCEL_ATTEMPTS {
        let result = match spec.on_cancel {
            OnCancel::Abandon => {
                info!("call cancelled; the remote workflow keeps running (on_cancel = abandon)");
                return;
            }
            OnCancel::Cancel => {
                remote
                    .cancel(
                        WorkflowCancelOptions::builder()
                            .reason(reason.clone())
                            .build(),
                    )
                    .await
            }
            OnCancel::Terminate => {
                remote
                    .terminate(
                        WorkflowTerminateOptions::builder()
                            .reason(reason.clone())
                            .build(),
                    )
                    .await
            }
        };
        match result {
            Ok(()) => {
                info!(on_cancel = ?spec.on_cancel, "call cancelled; acted on the remote workflow");
                return;
            }
            // Already closed: nothing left to act on.
            Err(WorkflowInteractionError::NotFound(_)) => return,
            Err(e) if attempt == CANCEL_ATTEMPTS => {
                warn!(error = %e, on_cancel = ?spec.on_cancel, "could not act on the remote workflow; it may keep running");
            }
            Err(e) => {
                warn!(error = %e, attempt, "acting on the remote workflow failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
}

/// Attempts at cancelling or terminating a remote workflow, 0.2 s apart and doubling.
const CANCEL_ATTEMPTS: u32 = 5;

/// Whether the source cluster has a cancel request for this activity.
async fn cancel_requested(ctx: &ActivityContext) -> bool {
    let Some(caller) = ctx.workflow_handle::<UntypedWorkflow>() else {
        return false;
    };
    match caller.describe(WorkflowDescribeOptions::default()).await {
        Ok(d) => d.raw_description.pending_activities.iter().any(|p| {
            p.activity_id == ctx.info().activity_id
                && p.state() == PendingActivityState::CancelRequested
        }),
        Err(e) => {
            warn!(error = %e, "could not read the caller's state; treating the stop as not a cancel request");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::data_converters::{MultiArgs2, TemporalSerializable};

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Order {
        id: String,
        items: u32,
    }

    /// The payloads a workflow caller sends for `args`, as the generated callers encode them.
    fn encoded<A: TemporalSerializable + 'static>(args: &A) -> Vec<Payload> {
        let converter = PayloadConverter::default();
        let data = SerializationContextData::None;
        converter
            .to_payloads(&SerializationContext::new(&data, &converter), args)
            .unwrap()
    }

    fn json(text: &str) -> Payload {
        json_payload(&serde_json::from_str::<serde_json::Value>(text).unwrap())
    }

    #[test]
    fn arguments_encoded_by_the_callers_pass() {
        let order = Order {
            id: "o-1".into(),
            items: 2,
        };
        check_args::<Order>(&encoded(&order)).unwrap();
        check_args::<String>(&encoded(&"x")).unwrap();
        check_args::<()>(&encoded(&())).unwrap();
        check_args::<MultiArgs2<String, u32>>(&encoded(&MultiArgs2("a".to_owned(), 7))).unwrap();
    }

    #[test]
    fn a_wrong_shape_is_refused_with_the_field_and_the_declared_type() {
        let e = check_args::<Order>(&[json(r#"{"id": "o-1"}"#)]).unwrap_err();
        assert!(e.contains("missing field `items`"), "{e}");
        assert!(e.contains("Order"), "{e}");
        let e = check_args::<u32>(&[json(r#""seven""#)]).unwrap_err();
        assert!(e.contains("u32"), "{e}");
    }

    #[test]
    fn a_wrong_number_of_arguments_is_refused() {
        let e = check_args::<MultiArgs2<String, u32>>(&[json(r#""a""#)]).unwrap_err();
        assert!(e.contains("1 argument payload"), "{e}");
        let e = check_args::<Order>(&[]).unwrap_err();
        assert!(e.contains("0 argument payload"), "{e}");
    }

    #[test]
    fn payloads_in_other_encodings_pass_unread() {
        let sealed = Payload {
            metadata: [("encoding".to_owned(), b"binary/encrypted".to_vec())].into(),
            data: vec![1, 2, 3],
            ..Default::default()
        };
        check_args::<Order>(&[sealed]).unwrap();
    }
}
