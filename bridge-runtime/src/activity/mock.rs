//! A typed mock of a trait's bridge, for tests of cluster A's workflows: no bridge, no cluster B,
//! no double of B's workflow. `#[bridge]` generates `…Mock` around [`Mock`]; a test gives it one
//! closure per method, runs [`Mock::worker_options`] as a worker on the bridge task queue of
//! one local cluster, and reads back the calls it recorded.
//!
//! The mock serves the same activity types, with the same header and payloads, as a real
//! bridge (see `docs/WIRE.md`), so the workflow under test and its typed callers run unchanged.
//! An answer's failure ([`MockFailure`]) reaches the workflow as the same `BridgeError` a real
//! remote failure would.

use super::attempt::{decode_header, json_payload};
use super::failure::CallFailure;
use super::{CallPart, CancelPart, StartPart, WaitPart, WholeCall, WithStartPart};
use crate::ids::{CallSite, default_remote_id};
use crate::spec::{MethodKind, MethodSpec, RemoteMethod};
use crate::wire::{Failure, RemoteStarted, UpdateWithStartResult};
use futures::{FutureExt, future::BoxFuture};
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use temporalio_common::ActivityDefinition;
use temporalio_common::data_converters::{
    GenericPayloadConverter, PayloadConverter, RawValue, SerializationContext,
    SerializationContextData, TemporalDeserializable, TemporalSerializable,
};
use temporalio_common::error::{ApplicationFailure, IncomingError};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::failure::v1::{
    ApplicationFailureInfo, Failure as ProtoFailure, failure::FailureInfo,
};
use temporalio_sdk::activities::{
    ActivityContext, ActivityDefinitions, ActivityError, ActivityImplementer, ExecutableActivity,
};

/// How a mocked remote call ends instead of returning a value: one of the outcomes a real call
/// can have. The workflow under test gets the matching `BridgeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockFailure {
    kind: Failure,
    /// For `failed`: the remote failure's type.
    remote_type: String,
    message: String,
}

impl MockFailure {
    fn new(kind: Failure, remote_type: &str, message: impl Into<String>) -> Self {
        MockFailure {
            kind,
            remote_type: remote_type.to_owned(),
            message: message.into(),
        }
    }

    /// The remote workflow (or update) failed with an application failure of `failure_type`:
    /// `BridgeError::RemoteFailed`.
    pub fn failed(failure_type: &str, message: impl Into<String>) -> Self {
        Self::new(Failure::RemoteFailed, failure_type, message)
    }

    /// The remote workflow was cancelled: `BridgeError::RemoteCancelled`.
    pub fn cancelled() -> Self {
        Self::new(
            Failure::RemoteCancelled,
            "",
            "remote workflow was cancelled",
        )
    }

    /// The remote workflow was terminated: `BridgeError::RemoteTerminated`.
    pub fn terminated() -> Self {
        Self::new(
            Failure::RemoteTerminated,
            "",
            "remote workflow was terminated",
        )
    }

    /// The remote workflow timed out: `BridgeError::RemoteTimedOut`.
    pub fn timed_out() -> Self {
        Self::new(Failure::RemoteTimedOut, "", "remote workflow timed out")
    }

    /// No remote workflow of the call's id: `BridgeError::RemoteNotFound`.
    pub fn not_found() -> Self {
        Self::new(Failure::RemoteNotFound, "", "remote workflow not found")
    }

    /// The remote workflow is stuck (`on_stuck = "fail"`): `BridgeError::RemoteStuck`.
    pub fn stuck(reason: impl Into<String>) -> Self {
        Self::new(Failure::RemoteStuck, "", reason)
    }

    /// Cluster B refused the call: `BridgeError::StartRejected`.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(Failure::Rejected, "", message)
    }

    /// The failure a real bridge would report.
    fn into_call_failure(self) -> CallFailure {
        let failure = CallFailure::new(self.kind, self.message.clone());
        match self.kind {
            Failure::RemoteFailed => {
                // As B's failure reaches a real bridge: decoded, with its proto.
                let proto = ProtoFailure {
                    message: self.message.clone(),
                    failure_info: Some(FailureInfo::ApplicationFailureInfo(
                        ApplicationFailureInfo {
                            r#type: self.remote_type.clone(),
                            non_retryable: true,
                            ..Default::default()
                        },
                    )),
                    ..Default::default()
                };
                let remote = ApplicationFailure::builder(self.message)
                    .type_name(self.remote_type)
                    .non_retryable(true)
                    .failure(proto)
                    .build();
                failure.with_cause(IncomingError::Application(remote))
            }
            _ => failure,
        }
    }
}

/// What a mocked call returned: the result's payloads, or how it failed.
type Outcome = Result<Vec<Payload>, MockFailure>;

/// One method's answer: decodes the arguments, runs the test's closure, encodes its result.
/// `Err` is arguments that do not decode as the method's.
type Answer = dyn Fn(Vec<Payload>) -> Result<Outcome, String> + Send + Sync;

/// A method of the trait: how to register its activities, and its answer once the test gave
/// one.
#[derive(Clone)]
struct Method {
    register: fn(&mut ActivityDefinitions, Arc<MockHost>),
    answer: Option<Arc<Answer>>,
}

/// One recorded call: the method (`Trait.method`) and its argument payloads.
#[derive(Clone, Debug)]
struct Recorded {
    method: &'static str,
    args: Vec<Payload>,
}

/// What every clone of a mock shares: the calls, and the outcomes of started workflows by id.
#[derive(Debug, Default)]
struct Shared {
    calls: Mutex<Vec<Recorded>>,
    started: Mutex<HashMap<String, Outcome>>,
}

/// The runtime half of a generated `…Mock`: the trait's methods with their answers, and the
/// calls seen. Clones share the recorded calls, so a test keeps one to assert on while a worker
/// serves another.
#[derive(Clone, Default)]
pub struct Mock {
    methods: BTreeMap<&'static str, Method>,
    bridge_queue: Option<&'static str>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Mock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let answered: Vec<_> = self
            .methods
            .iter()
            .filter(|(_, m)| m.answer.is_some())
            .map(|(label, _)| label)
            .collect();
        f.debug_struct("Mock")
            .field("answered", &answered)
            .field("bridge_queue", &self.bridge_queue)
            .finish_non_exhaustive()
    }
}

fn converter() -> &'static PayloadConverter {
    static CONVERTER: std::sync::LazyLock<PayloadConverter> =
        std::sync::LazyLock::new(PayloadConverter::default);
    &CONVERTER
}

fn decode<T: TemporalDeserializable + 'static>(payloads: Vec<Payload>) -> Result<T, String> {
    let data = SerializationContextData::None;
    let context = SerializationContext::new(&data, converter());
    converter()
        .from_payloads::<T>(&context, payloads)
        .map_err(|e| e.to_string())
}

fn encode<T: TemporalSerializable + 'static>(value: &T) -> Vec<Payload> {
    let data = SerializationContextData::None;
    let context = SerializationContext::new(&data, converter());
    converter()
        .to_payloads(&context, value)
        .expect("a value of a trait's result type encodes with the default converter")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Mock {
    /// A mock of no method yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves method `M`: a call to it without an answer fails at once, naming the method.
    pub fn declare<M: RemoteMethod>(mut self) -> Self {
        self.bridge_queue = Some(M::SPEC.bridge_queue);
        self.methods.entry(M::SPEC.label).or_insert(Method {
            register: register::<M>,
            answer: None,
        });
        self
    }

    /// Answers method `M` with `answer`, which gets the call's arguments as the method's
    /// argument type (the one argument, `()`, or `MultiArgsN`).
    pub fn on<M>(
        self,
        answer: impl Fn(M::Args) -> Result<M::Output, MockFailure> + Send + Sync + 'static,
    ) -> Self
    where
        M: RemoteMethod,
        M::Output: TemporalSerializable,
    {
        let answer: Arc<Answer> = Arc::new(move |payloads| {
            let args = decode::<M::Args>(payloads)?;
            Ok(answer(args).map(|out| encode(&out)))
        });
        let mut mock = self.declare::<M>();
        if let Some(method) = mock.methods.get_mut(M::SPEC.label) {
            method.answer = Some(answer);
        }
        mock
    }

    /// The arguments of every call of `M` so far, in order.
    pub fn calls<M: RemoteMethod>(&self) -> Vec<M::Args> {
        lock(&self.shared.calls)
            .iter()
            .filter(|c| c.method == M::SPEC.label)
            .map(|c| {
                decode::<M::Args>(c.args.clone()).expect("recorded arguments decoded once already")
            })
            .collect()
    }

    /// Worker options that serve the trait's bridge activities on its bridge task queue; run
    /// them on the cluster the workflow under test runs on.
    ///
    /// # Panics
    /// When the mock declares no method (a generated mock declares all of its trait's).
    pub fn worker_options(&self) -> temporalio_sdk::WorkerOptions {
        let queue = self
            .bridge_queue
            .expect("the mock declares no method: nothing to serve");
        let host = MockHost {
            methods: self.methods.clone(),
            shared: self.shared.clone(),
        };
        temporalio_sdk::WorkerOptions::new(queue)
            .register_activities(host)
            .build()
    }
}

/// The methods and the shared record, as the SDK's activity implementer.
struct MockHost {
    methods: BTreeMap<&'static str, Method>,
    shared: Arc<Shared>,
}

impl ActivityImplementer for MockHost {
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        for method in self.methods.values() {
            (method.register)(defs, self.clone());
        }
    }
}

impl MockHost {
    /// Records a call of `spec` and runs its answer.
    fn answer(&self, spec: &MethodSpec, args: Vec<Payload>) -> Result<Outcome, ActivityError> {
        let answer = self.methods.get(spec.label).and_then(|m| m.answer.clone());
        let Some(answer) = answer else {
            let message = format!(
                "the mock has no answer for {}: give it one with `{}Mock::new().{}(|…| …)`",
                spec.label, spec.trait_name, spec.method
            );
            return Err(Failure::Bridge.error(spec, None, message));
        };
        let outcome = answer(args.clone()).map_err(|e| {
            let message = format!("{}: the arguments do not decode: {e}", spec.label);
            Failure::BadPayload.error(spec, None, message)
        })?;
        // Recorded once the arguments decoded, so that `m_calls()` can always read them back.
        lock(&self.shared.calls).push(Recorded {
            method: spec.label,
            args,
        });
        Ok(outcome)
    }

    /// Starts workflow method `spec` under `id`: runs its answer once; a second start of the id
    /// attaches, as on a real cluster.
    fn start(&self, spec: &MethodSpec, id: &str, args: Vec<Payload>) -> Result<(), ActivityError> {
        if lock(&self.shared.started).contains_key(id) {
            return Ok(());
        }
        let outcome = self.answer(spec, args)?;
        lock(&self.shared.started).insert(id.to_owned(), outcome);
        Ok(())
    }
}

/// Registers method `M`'s activity types: the same parts a real bridge serves.
fn register<M: RemoteMethod>(defs: &mut ActivityDefinitions, host: Arc<MockHost>) {
    defs.register_activity::<MockActivity<M, WholeCall>>(host.clone());
    if let MethodKind::Workflow(_) = M::SPEC.kind {
        defs.register_activity::<MockActivity<M, StartPart>>(host.clone());
        defs.register_activity::<MockActivity<M, WaitPart>>(host.clone());
        defs.register_activity::<MockActivity<M, CancelPart>>(host);
    } else if M::SPEC.with_start().is_some() {
        defs.register_activity::<MockActivity<M, WithStartPart>>(host);
    }
}

/// A mocked bridge activity of method `M`: the whole call, or one part (`P`).
struct MockActivity<M, P>(String, PhantomData<fn() -> (M, P)>);

impl<M: RemoteMethod, P: CallPart> ActivityDefinition for MockActivity<M, P> {
    type Input = RawValue;
    type Output = RawValue;
    fn name(&self) -> &str {
        &self.0
    }
}

impl<M: RemoteMethod, P: CallPart> ExecutableActivity for MockActivity<M, P> {
    type Implementer = MockHost;
    const REQUIRES_INSTANCE: bool = true;

    fn definition() -> Self {
        MockActivity(super::part_activity_type::<M, P>(), PhantomData)
    }

    fn execute(
        receiver: Option<Arc<Self::Implementer>>,
        ctx: ActivityContext,
        input: RawValue,
    ) -> BoxFuture<'static, Result<RawValue, ActivityError>> {
        let spec = &M::SPEC;
        let result = match receiver {
            Some(host) => serve(&host, spec, &ctx, input.payloads, P::SUFFIX),
            None => Err(Failure::Bridge.error(spec, None, "mock activity without its host")),
        };
        futures::future::ready(result).boxed()
    }
}

/// The result, or the failure a real bridge would report for `outcome`.
fn reply(spec: &MethodSpec, id: &str, outcome: Outcome) -> Result<RawValue, ActivityError> {
    match outcome {
        // `()` encodes as no payload; a real bridge returns Temporal's null, as callers expect.
        Ok(payloads) if payloads.is_empty() => Ok(super::parts::null_result()),
        Ok(payloads) => Ok(RawValue::new(payloads)),
        Err(f) => Err(f.into_call_failure().into_error(spec, Some(id))),
    }
}

/// One mocked part: reads the header and the id as a bridge would, then does the part.
fn serve(
    host: &MockHost,
    spec: &'static MethodSpec,
    ctx: &ActivityContext,
    mut payloads: Vec<Payload>,
    suffix: &str,
) -> Result<RawValue, ActivityError> {
    if payloads.is_empty() {
        let message = format!("{}: the call header is missing", spec.label);
        return Err(Failure::BadPayload.error(spec, None, message));
    }
    let header = decode_header(spec, &payloads[0])?;
    let mut args = payloads.split_off(1);
    let id = header
        .remote_workflow_id
        .clone()
        .unwrap_or_else(|| mock_id(spec, ctx));
    let started = |id: &str| {
        json_payload(&RemoteStarted {
            workflow_id: id.to_owned(),
            run_id: None,
        })
    };
    match suffix {
        s if s == StartPart::SUFFIX => {
            host.start(spec, &id, args)?;
            Ok(RawValue::new(vec![started(&id)]))
        }
        s if s == WaitPart::SUFFIX => {
            let outcome = lock(&host.shared.started).get(&id).cloned();
            reply(spec, &id, outcome.unwrap_or(Err(MockFailure::not_found())))
        }
        s if s == CancelPart::SUFFIX => {
            lock(&host.shared.started).insert(id, Err(MockFailure::cancelled()));
            Ok(super::parts::null_result())
        }
        s if s == WithStartPart::SUFFIX => {
            let handler_args = args.split_off(header.start_args.unwrap_or(0).min(args.len()));
            if let Some(workflow) = spec.with_start() {
                host.start(workflow, &id, args)?;
            }
            match (&spec.kind, host.answer(spec, handler_args)?) {
                (_, Err(f)) => reply(spec, &id, Err(f)),
                (MethodKind::Update(_), Ok(result)) => {
                    let result = result
                        .into_iter()
                        .next()
                        .unwrap_or_else(super::parts::null_payload)
                        .into();
                    let started = RemoteStarted {
                        workflow_id: id.clone(),
                        run_id: None,
                    };
                    let record = UpdateWithStartResult { started, result };
                    Ok(RawValue::new(vec![json_payload(&record)]))
                }
                (_, Ok(_)) => Ok(RawValue::new(vec![started(&id)])),
            }
        }
        _ => reply(spec, &id, host.answer(spec, args)?),
    }
}

/// The id a real bridge would give the call, with `mock` as the source cluster's name.
fn mock_id(spec: &'static MethodSpec, ctx: &ActivityContext) -> String {
    let named = spec.with_start().unwrap_or(spec);
    let info = ctx.info();
    default_remote_id(
        named.trait_name,
        named.method,
        &CallSite {
            source_cluster: "mock",
            namespace: &info.namespace,
            workflow_id: info.workflow_id.as_deref().unwrap_or_default(),
            run_id: info.workflow_run_id.as_deref().unwrap_or_default(),
            position: &info.activity_id,
        },
    )
}
