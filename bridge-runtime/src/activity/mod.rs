//! The bridge activity: what runs on the bridge worker for each method of a `#[bridge]` trait.
//!
//! One attempt is two steps. [`attempt`] prepares it the same way for every part: read the call
//! header, fix the remote workflow id, check the arguments against the declared types, open the
//! span and the metrics guard. Then one short function of [`parts`] does the part's work on
//! cluster B: the whole call, a start, a wait, a handle's cancel, a signal- or update-with-start,
//! a signal, a query or an update. While a call waits, [`stuck`] looks out for a remote workflow
//! that makes no progress. [`failure`] is the one place where what went wrong becomes a
//! [`crate::wire::Failure`].
//!
//! Every step is idempotent, so any attempt on any bridge process reaches the same single
//! remote execution: the remote workflow is started with id-conflict policy Fail and the
//! method's id-reuse policy (RejectDuplicate by default), and "already started" means attach,
//! once [`gate`] admits the call to the execution (it must have been started for it). When the caller is
//! cancelled, the remote workflow is cancelled, terminated or left alone per the method's
//! `on_cancel`; a stop for any other reason (shutdown, a timed-out attempt) never touches it.

mod attempt;
mod failure;
mod gate;
pub mod mock;
mod parts;
mod stuck;

use crate::{
    pool::ClusterPool,
    spec::{MethodKind, RemoteMethod},
    wire::{CANCEL_SUFFIX, Failure, START_SUFFIX, WAIT_SUFFIX, WITH_START_SUFFIX},
};
use attempt::{Args, Attempt, IdRule};
use futures::{FutureExt, future::BoxFuture};
use std::{marker::PhantomData, sync::Arc};
use temporalio_common::{ActivityDefinition, data_converters::RawValue};
use temporalio_sdk::activities::{
    ActivityContext, ActivityDefinitions, ActivityError, ActivityImplementer, ExecutableActivity,
};

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
    /// Limits on calls per destination and per method.
    pub limits: crate::limits::LimitSet,
}

/// Holds the shared state for method `M`'s activities; the SDK calls it the implementer.
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

impl<M: RemoteMethod> ActivityImplementer for MethodHost<M> {
    /// The whole call for every kind; the parts behind handles for a remote workflow; the
    /// with-start part for a signal or update that declares one.
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        defs.register_activity::<PartActivity<M, WholeCall>>(self.clone());
        if let MethodKind::Workflow(_) = M::SPEC.kind {
            defs.register_activity::<PartActivity<M, StartPart>>(self.clone());
            defs.register_activity::<PartActivity<M, WaitPart>>(self.clone());
            defs.register_activity::<PartActivity<M, CancelPart>>(self);
        } else if M::SPEC.with_start().is_some() {
            defs.register_activity::<PartActivity<M, WithStartPart>>(self);
        }
    }
}

/// One part of a call, chosen at the type level: its activity type's suffix, what its
/// preparation reads, and the function that runs it.
pub trait CallPart: 'static {
    /// The activity type's suffix after `bridge.{Trait}.{method}`.
    const SUFFIX: &'static str;
    /// Which payloads after the header are arguments to check.
    const ARGS: Args;
    /// Where the remote workflow id comes from when the header names none.
    const ID: IdRule;
    /// Whether the part starts a call on the destination (a start, a signal, a query, an
    /// update), and so waits for the call's limits: a handle's wait and cancel do not.
    const LIMITED: bool = true;
    /// Runs the prepared attempt.
    fn run(attempt: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>>;
}

/// The whole call, `bridge.{Trait}.{method}`: what it does depends on the method's kind.
pub struct WholeCall;
/// The start of a handle, `bridge.{Trait}.{method}.start`.
pub struct StartPart;
/// A handle's wait, `bridge.{Trait}.{method}.wait`.
pub struct WaitPart;
/// A handle's cancel, `bridge.{Trait}.{method}.cancel`.
pub struct CancelPart;
/// Signal-with-start or update-with-start, `bridge.{Trait}.{method}.with_start`.
pub struct WithStartPart;

// The method's kind is matched once, here, where a part is chosen; the part functions take
// what their kind carries. `register_all` registers the handle parts only for workflow methods
// and the with-start part only for a signal or update that declares one, so the other arms are
// reachable only through a hand-made activity registration.

impl CallPart for WholeCall {
    const SUFFIX: &'static str = "";
    const ARGS: Args = Args::All;
    const ID: IdRule = IdRule::DefaultForWorkflows;
    fn run(a: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>> {
        match &a.spec.kind {
            MethodKind::Workflow(w) => parts::call(a, w).boxed(),
            MethodKind::Signal(h) => parts::signal(a, h.name).boxed(),
            MethodKind::Query(h) => parts::query(a, h.name).boxed(),
            MethodKind::Update(h) => parts::update(a, h.name).boxed(),
        }
    }
}

impl CallPart for StartPart {
    const SUFFIX: &'static str = START_SUFFIX;
    const ARGS: Args = Args::All;
    const ID: IdRule = IdRule::DefaultForWorkflows;
    fn run(a: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>> {
        match &a.spec.kind {
            MethodKind::Workflow(w) => parts::start(a, w).boxed(),
            _ => not_a_part_of(a, "a start").boxed(),
        }
    }
}

impl CallPart for WaitPart {
    const SUFFIX: &'static str = WAIT_SUFFIX;
    const ARGS: Args = Args::None;
    const ID: IdRule = IdRule::Required;
    const LIMITED: bool = false;
    fn run(a: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>> {
        match &a.spec.kind {
            MethodKind::Workflow(w) => parts::wait(a, w).boxed(),
            _ => not_a_part_of(a, "a wait").boxed(),
        }
    }
}

impl CallPart for CancelPart {
    const SUFFIX: &'static str = CANCEL_SUFFIX;
    const ARGS: Args = Args::None;
    const ID: IdRule = IdRule::Required;
    const LIMITED: bool = false;
    fn run(a: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>> {
        match &a.spec.kind {
            MethodKind::Workflow(w) => parts::cancel(a, w).boxed(),
            _ => not_a_part_of(a, "a cancel").boxed(),
        }
    }
}

impl CallPart for WithStartPart {
    const SUFFIX: &'static str = WITH_START_SUFFIX;
    const ARGS: Args = Args::AfterStart;
    const ID: IdRule = IdRule::DefaultOfStartedWorkflow;
    fn run(a: &mut Attempt) -> BoxFuture<'_, Result<RawValue, ActivityError>> {
        let started = a.spec.with_start().and_then(|w| w.workflow());
        match (&a.spec.kind, started) {
            (MethodKind::Signal(h), Some(w)) => parts::signal_with_start(a, w, h.name).boxed(),
            (MethodKind::Update(h), Some(w)) => parts::update_with_start(a, w, h.name).boxed(),
            _ => not_a_part_of(a, "a with-start call").boxed(),
        }
    }
}

/// A part registered for a method of another kind: a bridge bug, reported as one.
async fn not_a_part_of(a: &Attempt, part: &str) -> Result<RawValue, ActivityError> {
    Err(a.fail(
        Failure::Bridge,
        format!("{} has no {part} part", a.spec.label()),
    ))
}

/// The activity type of part `P` of method `M`: `bridge.{Trait}.{method}{suffix}`.
fn part_activity_type<M: RemoteMethod, P: CallPart>() -> String {
    format!("{}{}", M::SPEC.activity_type, P::SUFFIX)
}

/// A bridge activity of method `M`: the whole call, or one part of it (`P`).
pub struct PartActivity<M, P>(String, PhantomData<fn() -> (M, P)>);

impl<M: RemoteMethod, P: CallPart> ActivityDefinition for PartActivity<M, P> {
    type Input = RawValue;
    type Output = RawValue;
    fn name(&self) -> &str {
        &self.0
    }
}

impl<M: RemoteMethod, P: CallPart> ExecutableActivity for PartActivity<M, P> {
    type Implementer = MethodHost<M>;
    const REQUIRES_INSTANCE: bool = true;

    fn definition() -> Self {
        PartActivity(part_activity_type::<M, P>(), PhantomData)
    }

    fn execute(
        receiver: Option<Arc<Self::Implementer>>,
        ctx: ActivityContext,
        input: RawValue,
    ) -> BoxFuture<'static, Result<RawValue, ActivityError>> {
        let Some(host) = receiver else {
            let e =
                Failure::Bridge.error(&M::SPEC, None, "bridge activity invoked without its host");
            return futures::future::ready(Err(e)).boxed();
        };
        async move {
            let shared = host.shared.clone();
            let attempt =
                Attempt::prepare::<M::Args>(shared, &M::SPEC, ctx, input.payloads, P::ARGS, P::ID)?;
            attempt.run(P::run, P::LIMITED).await
        }
        .boxed()
    }
}
