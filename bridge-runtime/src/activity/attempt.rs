//! The preparation every part of a call shares: header → remote id → argument check → span and
//! metrics guard. A call that fails here has touched nothing on cluster B.

use super::BridgeShared;
use super::gate::{self, Claim};
use crate::{
    ids::{CallSite, default_remote_id, finalize_id},
    metrics::{AttemptGuard, Outcome},
    spec::{MethodKind, MethodSpec, OnStuck, Targets, WorkflowSpec},
    wire::{CallHeader, Failure, Origin, ROUTING_FIELDS, TRACE_HEADER, WaitProgress},
};
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use temporalio_client::Client;
use temporalio_common::{
    data_converters::{
        GenericPayloadConverter, PayloadConversionError, PayloadConverter, RawValue,
        SerializationContext, SerializationContextData, TemporalDeserializable,
    },
    protos::temporal::api::common::v1::Payload,
};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use tracing::{Instrument, info_span, warn};

/// Which payloads after the header a part's preparation checks against the declared arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Args {
    /// All of them: a call or a start.
    All,
    /// Those after the started workflow's (`CallHeader::start_args`): a with-start call checks
    /// the signal's or update's.
    AfterStart,
    /// None: a handle's wait and cancel carry no arguments.
    None,
}

/// Where a part's remote workflow id comes from when the header names none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdRule {
    /// The header must name it: a handle's wait and cancel.
    Required,
    /// The method's default id for a remote workflow; a signal, query or update must be told
    /// its target.
    DefaultForWorkflows,
    /// The default id of the workflow method that a with-start call starts.
    DefaultOfStartedWorkflow,
}

/// One prepared attempt of a bridge activity: what every part works from.
pub struct Attempt {
    pub shared: Arc<BridgeShared>,
    pub spec: &'static MethodSpec,
    pub ctx: ActivityContext,
    /// The remote workflow id, final (encoded and capped).
    pub remote_id: String,
    /// The argument payloads, the header removed.
    pub payloads: Vec<Payload>,
    /// For a with-start call: how many of `payloads` are the started workflow's.
    pub start_args: usize,
    /// How a remote workflow of this call is started, if one is.
    pub remote_start: RemoteStart,
    /// What the call does while its remote workflow is stuck: the header's override, else the
    /// method's.
    pub on_stuck: OnStuck,
    /// What the call may touch on cluster B besides what it starts fresh ([`super::gate`]).
    pub claim: Claim,
    /// For a whole call: how long it waits before it is handed over to a long wait, if its
    /// caller can continue with one ([`CallHeader::hand_over_after_ms`]).
    pub hand_over_after: Option<Duration>,
    /// For a cancel: whether it is the caller's cancellation, to which the method's
    /// `on_cancel` applies ([`CallHeader::caller_cancelled`]).
    pub caller_cancelled: bool,
    pub metrics: AttemptGuard,
}

/// How the remote workflow of one call is started: its timeouts, and the caller's trace context.
#[derive(Clone)]
pub struct RemoteStart {
    pub execution: Option<Duration>,
    pub run: Option<Duration>,
    /// The `_tracer-data` header of the caller's activity, passed on to the remote start so
    /// that one trace spans both clusters (see [`TRACE_HEADER`]).
    pub trace: Option<Payload>,
    /// Who starts it, recorded in its [`crate::wire::ORIGIN_MEMO`] memo.
    pub origin: Origin,
}

impl Attempt {
    /// Reads the header, fixes the remote id, and checks the arguments (as `A`, the method's
    /// declared arguments) before anything reaches cluster B.
    pub fn prepare<A: TemporalDeserializable + 'static>(
        shared: Arc<BridgeShared>,
        spec: &'static MethodSpec,
        ctx: ActivityContext,
        mut payloads: Vec<Payload>,
        args: Args,
        id: IdRule,
    ) -> Result<Attempt, ActivityError> {
        if payloads.is_empty() {
            return Err(Failure::BadPayload.error(
                spec,
                None,
                "input has no call header (the first payload must be a JSON object)",
            ));
        }
        let header = decode_header(spec, &payloads.remove(0))?;
        let trace = ctx.headers().get(TRACE_HEADER).cloned();
        let info = ctx.info();
        let origin = Origin {
            source_cluster: shared.source_cluster.clone(),
            namespace: info.namespace.clone(),
            workflow_id: info.workflow_id.clone(),
            run_id: info.workflow_run_id.clone(),
            method: started_method(spec, id).label().to_owned(),
        };
        let on_stuck = match header.fail_stuck_after_ms {
            Some(0) => OnStuck::Wait,
            Some(ms) => OnStuck::Fail {
                after: Duration::from_millis(ms),
            },
            None => started_workflow(spec, id).map_or(OnStuck::Wait, |w| w.on_stuck),
        };
        let start_args = header.start_args.unwrap_or(0).min(payloads.len());
        let checked = match args {
            Args::All => Some(&payloads[..]),
            Args::AfterStart => Some(&payloads[start_args..]),
            Args::None => None,
        };
        if let Some(Err(message)) = checked.map(check_args::<A>) {
            let given = header.remote_workflow_id.as_deref().unwrap_or("");
            warn!(
                method = spec.label(),
                remote_workflow_id = %given,
                %message,
                "call refused: its arguments do not fit the method"
            );
            let message = format!("{}: {message}", spec.label());
            return Err(Failure::BadPayload.error(spec, None, message));
        }
        // After the argument check: a call whose arguments do not fit is told so, not that
        // its id is not the template's.
        let claim = claim(&shared, spec, id, &header, &payloads, start_args, &origin)?;
        let remote_start = RemoteStart::of(started_workflow(spec, id), &header, trace, origin);
        let raw_id = remote_id(&shared, spec, &ctx, header.remote_workflow_id, id)?;
        let remote_id = finalize_id(&raw_id, shared.max_id_len);
        Ok(Attempt {
            metrics: shared.metrics.attempt(spec),
            shared,
            spec,
            ctx,
            remote_id,
            payloads,
            start_args,
            remote_start,
            on_stuck,
            claim,
            hand_over_after: header.hand_over_after_ms.map(Duration::from_millis),
            caller_cancelled: header.caller_cancelled,
        })
    }

    /// Runs `part` in the call's span, once the call is within its limits if it is `limited`
    /// (waiting, heartbeating, counted in `temporal_bridge_throttled`), and records how the
    /// attempt ended.
    pub async fn run(
        mut self,
        part: for<'a> fn(&'a mut Attempt) -> BoxFuture<'a, Result<RawValue, ActivityError>>,
        limited: bool,
    ) -> Result<RawValue, ActivityError> {
        let _admitted = match limited && self.shared.limits.limits(self.spec) {
            true => Some(self.requesting(self.admit()).await?),
            false => None,
        };
        let info = self.ctx.info();
        let span = info_span!(
            "bridge_call",
            method = self.spec.label(),
            source_cluster = %self.shared.source_cluster,
            destination_cluster = self.spec.cluster,
            source_workflow_id = info.workflow_id.as_deref().unwrap_or(""),
            remote_workflow_id = %self.remote_id,
            remote_queue = self.spec.workflow().map_or("", |w| w.queue),
            attempt = info.attempt,
        );
        let result = part(&mut self).instrument(span).await;
        self.metrics.finish(match &result {
            Ok(_) => Outcome::Ok,
            Err(e) => {
                self.metrics.failed(failure_label(e));
                Outcome::Error
            }
        });
        result
    }

    /// Waits until the call is within its limits; counted as throttled only if it waits. A
    /// call cancelled meanwhile (its caller, or its attempt's timeout) never reaches cluster B.
    async fn admit(&self) -> Result<crate::limits::Admitted, ActivityError> {
        use futures::FutureExt;
        let admit = self.shared.limits.admit(self.spec);
        tokio::pin!(admit);
        if let Some(admitted) = (&mut admit).now_or_never() {
            return Ok(admitted);
        }
        let _waiting = self.metrics.throttled();
        tokio::select! {
            admitted = admit => Ok(admitted),
            _ = self.ctx.cancelled() => Err(ActivityError::cancelled()),
        }
    }

    /// Cluster B's client; unavailable is retried, naming the cluster.
    pub async fn client(&self) -> Result<Client, ActivityError> {
        self.shared
            .pool
            .client(self.spec.cluster)
            .await
            .map_err(|e| {
                warn!(error = %e, "destination cluster unavailable; the call will be retried");
                self.fail(Failure::ClusterUnavailable, e.to_string())
            })
    }

    /// `kind` of failure of this call, naming its remote workflow.
    pub fn fail(&self, kind: Failure, message: impl Into<String>) -> ActivityError {
        kind.error(self.spec, Some(&self.remote_id), message)
    }

    /// The argument payloads, taken to be sent.
    pub fn take_args(&mut self) -> Vec<Payload> {
        std::mem::take(&mut self.payloads)
    }

    /// What this attempt heartbeats: the remote workflow it is bound to.
    pub fn progress(&self, run_id: Option<&str>) -> WaitProgress {
        WaitProgress {
            remote_workflow_id: self.remote_id.clone(),
            remote_run_id: run_id.map(str::to_owned),
            cluster: self.spec.cluster.to_owned(),
            stuck: None,
        }
    }

    /// Runs `work`, a request to cluster B, while heartbeating ([`heartbeating`]).
    pub async fn requesting<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let progress = std::sync::Mutex::new(self.progress(None));
        heartbeating(&self.ctx, &progress, &self.metrics, work).await
    }
}

impl RemoteStart {
    /// The caller's overrides of `workflow`'s declared timeouts, or the declared ones, and the
    /// caller's trace context.
    fn of(
        workflow: Option<&WorkflowSpec>,
        header: &CallHeader,
        trace: Option<Payload>,
        origin: Origin,
    ) -> RemoteStart {
        let declared = |pick: fn(&WorkflowSpec) -> Option<Duration>| workflow.and_then(pick);
        RemoteStart {
            execution: header
                .execution_timeout_ms
                .map(Duration::from_millis)
                .or(declared(|w| w.execution_timeout)),
            run: header
                .run_timeout_ms
                .map(Duration::from_millis)
                .or(declared(|w| w.run_timeout)),
            trace,
            origin,
        }
    }
}

/// What a part of `spec` may touch ([`Claim`]): a handle's wait or cancel, bridged workflows;
/// a handler, what it opens; a start, by the id it runs under ([`gate::start_claim`]).
fn claim(
    shared: &BridgeShared,
    spec: &'static MethodSpec,
    rule: IdRule,
    header: &CallHeader,
    payloads: &[Payload],
    start_args: usize,
    origin: &Origin,
) -> Result<Claim, ActivityError> {
    let given = header.remote_workflow_id.as_deref();
    let start = |workflow: &WorkflowSpec, args: &[Payload]| {
        let source = origin.workflow_id.as_deref();
        gate::start_claim(shared, spec, workflow, given, args, source)
    };
    match (rule, &spec.kind) {
        (IdRule::Required, _) => Ok(Claim::Target(Targets::Bridged)),
        (IdRule::DefaultForWorkflows, MethodKind::Workflow(w)) => start(w, payloads),
        (
            IdRule::DefaultForWorkflows,
            MethodKind::Signal(h) | MethodKind::Query(h) | MethodKind::Update(h),
        ) => Ok(Claim::Target(h.targets)),
        (IdRule::DefaultOfStartedWorkflow, _) => match started_workflow(spec, rule) {
            Some(w) => start(w, &payloads[..start_args]),
            None => Ok(Claim::Target(Targets::Bridged)),
        },
    }
}

/// The workflow method a part of `spec` may start: its own, or its with-start workflow method.
fn started_method(spec: &'static MethodSpec, id: IdRule) -> &'static MethodSpec {
    match id {
        IdRule::DefaultOfStartedWorkflow => spec.with_start().unwrap_or(spec),
        IdRule::Required | IdRule::DefaultForWorkflows => spec,
    }
}

/// The workflow a part of `spec` may start: its own, or its with-start workflow's.
fn started_workflow(spec: &'static MethodSpec, id: IdRule) -> Option<&'static WorkflowSpec> {
    started_method(spec, id).workflow()
}

/// The header's id, or the default id of the workflow method the part starts, derived from
/// the activity's call site.
fn remote_id(
    shared: &BridgeShared,
    spec: &'static MethodSpec,
    ctx: &ActivityContext,
    given: Option<String>,
    rule: IdRule,
) -> Result<String, ActivityError> {
    let bad = |message: &str| Failure::BadPayload.error(spec, None, message);
    match given {
        Some(id) if !id.is_empty() => return Ok(id),
        Some(_) => return Err(bad("call header has an empty remote_workflow_id")),
        None => {}
    }
    let named = match rule {
        IdRule::DefaultForWorkflows if spec.workflow().is_some() => spec,
        IdRule::DefaultOfStartedWorkflow => spec.with_start().unwrap_or(spec),
        IdRule::Required | IdRule::DefaultForWorkflows => {
            return Err(bad(
                "this call needs the remote workflow's id in remote_workflow_id",
            ));
        }
    };
    let info = ctx.info();
    let (Some(workflow_id), Some(run_id)) =
        (info.workflow_id.as_deref(), info.workflow_run_id.as_deref())
    else {
        return Err(bad(
            "a call from outside a workflow must set remote_workflow_id in its header",
        ));
    };
    Ok(default_remote_id(
        named.trait_name,
        named.method,
        &CallSite {
            source_cluster: &shared.source_cluster,
            namespace: &info.namespace,
            workflow_id,
            run_id,
            position: &info.activity_id,
        },
    ))
}

pub(super) fn decode_header(
    spec: &MethodSpec,
    payload: &Payload,
) -> Result<CallHeader, ActivityError> {
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

/// Encodings the bridge reads to check arguments: those of every SDK's default JSON converter.
/// Arguments in any other encoding (a codec's encrypted output, say) are passed on unread: the
/// bridge is not meant to hold the keys of the workflows it carries.
const CHECKED_ENCODINGS: [&[u8]; 2] = [b"json/plain", b"binary/null"];

/// Whether `payloads` decode as `A`, the method's declared arguments.
///
/// A call whose arguments the remote worker cannot decode does not fail there: the SDK fails the
/// remote workflow's *task* and retries it until the workflow times out, so the caller would
/// wait for nothing. The bridge knows the declared types, so it refuses such a call at once.
pub(super) fn check_args<A: TemporalDeserializable + 'static>(
    payloads: &[Payload],
) -> Result<(), String> {
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

/// Runs `work` while heartbeating `progress` (which `work` may update): a request to the destination (a start, a signal,
/// an update) or the wait for the remote result.
///
/// A bridge that is alive but waiting on the destination, through an outage or a slow answer,
/// keeps its attempt: the source cluster must not time it out and hand the call to another
/// bridge only to have it wait the same way. The request's own retries end it instead, with
/// an error that names the cluster. A dead bridge stops heartbeating and is replaced within one
/// heartbeat timeout.
pub async fn heartbeating<T>(
    ctx: &ActivityContext,
    progress: &std::sync::Mutex<WaitProgress>,
    attempt: &AttemptGuard,
    work: impl std::future::Future<Output = T>,
) -> T {
    let mut ticker = heartbeat_ticker(ctx.info().heartbeat_timeout);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = ticker.tick() => {
                let details = progress.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match ctx.record_heartbeat(details).await {
                    Ok(()) => attempt.heartbeat(),
                    Err(e) => warn!(error = %e, "could not record heartbeat"),
                }
            }
        }
    }
}

/// A `json/plain` payload, as every SDK's default converter reads it.
pub fn json_payload<T: serde::Serialize>(value: &T) -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
        data: serde_json::to_vec(value).expect("serializing a plain struct cannot fail"),
        ..Default::default()
    }
}

/// The `failure` label of an attempt's error: its failure type, or `cancelled`.
fn failure_label(error: &ActivityError) -> &str {
    match error {
        ActivityError::Application(failure) => failure.type_name().unwrap_or("unknown"),
        ActivityError::Cancelled { .. } => "cancelled",
        _ => "other",
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
