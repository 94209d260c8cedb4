//! One function per part of a call, each working from a prepared [`Attempt`]: the whole call
//! of a remote workflow, its start, its wait, a handle's cancel, signal- or update-with-start,
//! and a signal, query or update. Requests to cluster B are heartbeated throughout.

use super::{
    attempt::{Attempt, RemoteStart, heartbeating, json_payload},
    failure::ReadFailure,
    gate,
    stuck::Watch,
};
use crate::{
    spec::{IdReuse, OnCancel, WorkflowSpec},
    wire::{self, Failure, ORIGIN_MEMO, RemoteStarted, TRACE_HEADER, UpdateWithStartResult},
};
use std::{sync::Mutex, time::Duration};
use temporalio_client::{
    Client, UntypedQuery, UntypedSignal, UntypedUpdate, WorkflowCancelOptions,
    WorkflowDescribeOptions, WorkflowGetResultOptions, WorkflowHandle, WorkflowIdConflictPolicy,
    WorkflowIdReusePolicy, WorkflowStartOptions, WorkflowTerminateOptions,
    WorkflowUpdateWithStartOptions,
    errors::{WorkflowInteractionError, WorkflowStartError},
};
use temporalio_common::{
    MemoValues, UntypedWorkflow,
    data_converters::RawValue,
    protos::temporal::api::{
        common::v1::{Header, Payload},
        enums::v1::PendingActivityState,
    },
};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use tracing::{debug, info, warn};

type RemoteHandle = WorkflowHandle<Client, UntypedWorkflow>;

/// `bridge.T.m` of a remote workflow: start it (or attach), then wait for its result, or for
/// the header's `hand_over_after_ms` if that comes first ([`wire::HandOver`]).
pub(super) async fn call(a: &mut Attempt, w: &WorkflowSpec) -> Result<RawValue, ActivityError> {
    let args = a.take_args();
    let (client, handle) = a
        .requesting(async {
            let client = a.client().await?;
            let handle = start_or_attach(&client, a, w, args).await?;
            Ok::<_, ActivityError>((client, handle))
        })
        .await?;
    let run_id = handle.run_id().map(str::to_owned);
    match wait_for(&client, handle, a, w, a.hand_over_after).await? {
        Some(raw) => Ok(raw),
        None => {
            info!(
                after = ?a.hand_over_after.unwrap_or_default(),
                "remote workflow still running; handing the call over to a long wait"
            );
            a.metrics.handed_over();
            Ok(hand_over_record(&a.remote_id, run_id.as_deref()))
        }
    }
}

/// `bridge.T.m.start`: start the remote workflow (or attach) and return its [`RemoteStarted`].
pub(super) async fn start(a: &mut Attempt, w: &WorkflowSpec) -> Result<RawValue, ActivityError> {
    let args = a.take_args();
    let handle = a
        .requesting(async {
            let client = a.client().await?;
            start_or_attach(&client, a, w, args).await
        })
        .await?;
    Ok(started_record(&a.remote_id, handle.run_id()))
}

/// `bridge.T.m.wait`: wait for the result of the remote workflow a handle names.
pub(super) async fn wait(a: &mut Attempt, w: &WorkflowSpec) -> Result<RawValue, ActivityError> {
    // Boxed, as every request before or after the wait: a future is as large as the largest
    // it awaits, and a waiting call would carry this one's size for hours.
    let client = a.requesting(Box::pin(admitted(a))).await?;
    let handle = client.get_workflow_handle::<UntypedWorkflow>(&a.remote_id);
    let waited = wait_for(&client, handle, a, w, None).await?;
    Ok(waited.expect("a wait without a hand-over time ends with the remote result"))
}

/// `bridge.T.m.cancel`: request cancellation of the remote workflow a handle names; for the
/// caller's own cancellation (`caller_cancelled`), act on it as the method's `on_cancel` says.
/// Already closed is fine: there is nothing left to cancel.
pub(super) async fn cancel(a: &mut Attempt, w: &WorkflowSpec) -> Result<RawValue, ActivityError> {
    let act = match a.caller_cancelled {
        true => w.on_cancel,
        false => OnCancel::Cancel,
    };
    if act == OnCancel::Abandon {
        info!("the caller was cancelled; the remote workflow keeps running (on_cancel = abandon)");
        return Ok(null_result());
    }
    a.requesting(async {
        let reason = match a.caller_cancelled {
            true => format!("the caller of {} was cancelled", a.spec.label()),
            false => format!("cancelled through a handle of {}", a.spec.label()),
        };
        let remote = remote(a).await?;
        let acted = match act {
            OnCancel::Terminate => {
                let options = WorkflowTerminateOptions::builder().reason(reason).build();
                remote.terminate(options).await
            }
            _ => {
                let options = WorkflowCancelOptions::builder().reason(reason).build();
                remote.cancel(options).await
            }
        };
        match acted {
            Ok(()) => {
                info!(?act, "acted on the remote workflow");
                Ok(null_result())
            }
            Err(WorkflowInteractionError::NotFound(_)) => Ok(null_result()),
            Err(e) => Err(e.failure(a.spec, &a.remote_id)),
        }
    })
    .await
}

/// `bridge.T.s` of a signal: send it to the remote workflow the header names.
pub(super) async fn signal(a: &mut Attempt, name: &'static str) -> Result<RawValue, ActivityError> {
    let input = RawValue::new(a.take_args());
    a.requesting(async {
        remote(a)
            .await?
            .signal(UntypedSignal::new(name), input, Default::default())
            .await
            .map(|()| null_result())
            .map_err(|e| e.failure(a.spec, &a.remote_id))
    })
    .await
}

/// `bridge.T.q` of a query: run it on the remote workflow the header names.
pub(super) async fn query(a: &mut Attempt, name: &'static str) -> Result<RawValue, ActivityError> {
    let input = RawValue::new(a.take_args());
    a.requesting(async {
        remote(a)
            .await?
            .query(UntypedQuery::new(name), input, Default::default())
            .await
            .map_err(|e| e.failure(a.spec, &a.remote_id))
    })
    .await
}

/// `bridge.T.u` of an update: run it on the remote workflow the header names, and wait for its
/// result.
pub(super) async fn update(a: &mut Attempt, name: &'static str) -> Result<RawValue, ActivityError> {
    let input = RawValue::new(a.take_args());
    a.requesting(async {
        remote(a)
            .await?
            .execute_update(UntypedUpdate::new(name), input, Default::default())
            .await
            .map_err(|e| e.failure(a.spec, &a.remote_id))
    })
    .await
}

/// The remote workflow the call's id names, on cluster B, once the gateway admits the call
/// to it.
async fn remote(a: &Attempt) -> Result<RemoteHandle, ActivityError> {
    Ok(admitted(a)
        .await?
        .get_workflow_handle::<UntypedWorkflow>(&a.remote_id))
}

/// Cluster B's client, once the gateway admits the call to the execution its id names
/// ([`gate::admit`]).
async fn admitted(a: &Attempt) -> Result<Client, ActivityError> {
    let client = a.client().await?;
    gate::admit(&client, a).await?;
    Ok(client)
}

/// The workflow's and the handler's arguments of a with-start call, in that order.
fn with_start_args(a: &mut Attempt) -> (RawValue, RawValue) {
    let handler_args = RawValue::new(a.payloads.split_off(a.start_args));
    (RawValue::new(a.take_args()), handler_args)
}

/// `bridge.T.s.with_start`: start `workflow`, the workflow method that signal `s` names in
/// `with_start`, under the call's id (or find the running one), and signal it.
///
/// The signal is delivered at least once: if this attempt dies after the server took it, the
/// retry delivers it again.
pub(super) async fn signal_with_start(
    a: &mut Attempt,
    workflow: &WorkflowSpec,
    signal: &'static str,
) -> Result<RawValue, ActivityError> {
    let (start_args, signal_args) = with_start_args(a);
    let conflict = WorkflowIdConflictPolicy::UseExisting;
    let options = start_options(workflow, &a.remote_id, &a.remote_start, conflict);
    // The gateway reads an existing execution first: one another source or call started is
    // not signalled. (A foreign start between the read and the signal is not caught.)
    a.requesting(async {
        admitted(a)
            .await?
            .signal_with_start_workflow(
                UntypedWorkflow::new(workflow.workflow_type),
                start_args,
                UntypedSignal::new(signal),
                signal_args,
                options,
            )
            .await
            .map(|handle| started_record(&a.remote_id, handle.run_id()))
            .map_err(|e| e.failure(a.spec, &a.remote_id))
    })
    .await
}

/// `bridge.T.u.with_start`: start `workflow`, the workflow method that update `u` names in
/// `with_start`, under the call's id (or find the running one), and run the update on it. The
/// update id is derived from the call, so that a retried attempt delivers it once.
pub(super) async fn update_with_start(
    a: &mut Attempt,
    workflow: &WorkflowSpec,
    update: &'static str,
) -> Result<RawValue, ActivityError> {
    let (start_args, update_args) = with_start_args(a);
    let options = WorkflowUpdateWithStartOptions::new(
        workflow.queue,
        &a.remote_id,
        WorkflowIdConflictPolicy::UseExisting,
    )
    .id_reuse_policy(id_reuse_policy(workflow))
    .maybe_execution_timeout(a.remote_start.execution)
    .maybe_run_timeout(a.remote_start.run)
    .maybe_retry_policy(workflow.workflow_retry.map(|r| r.to_policy(&[])))
    .memo(origin_memo(&a.remote_start))
    .maybe_start_header(trace_header(&a.remote_start))
    .update_id(format!(
        "{}/update/{}",
        a.remote_id,
        a.ctx.info().activity_id
    ))
    .build();
    let output = a
        .requesting(async {
            admitted(a)
                .await?
                .execute_update_with_start_workflow(
                    UntypedWorkflow::new(workflow.workflow_type),
                    start_args,
                    UntypedUpdate::new(update),
                    update_args,
                    options,
                )
                .await
                .map_err(|e| e.failure(a.spec, &a.remote_id))
        })
        .await?;
    // An activity result is one payload: the start record and the update's result travel
    // together, the result's payload unchanged inside.
    let result = output
        .payloads
        .into_iter()
        .next()
        .unwrap_or_else(null_payload);
    Ok(RawValue::new(vec![json_payload(&UpdateWithStartResult {
        started: RemoteStarted {
            workflow_id: a.remote_id.clone(),
            run_id: None,
        },
        result: result.into(),
    })]))
}

/// The [`wire::HandOver`] result of a whole call handed over to a long wait.
fn hand_over_record(remote_id: &str, run_id: Option<&str>) -> RawValue {
    let mut record = started_record(remote_id, run_id);
    for payload in &mut record.payloads {
        payload
            .metadata
            .insert(wire::HAND_OVER_METADATA.to_owned(), b"1".to_vec());
    }
    record
}

/// The [`RemoteStarted`] record of a start, as the part's result.
fn started_record(remote_id: &str, run_id: Option<&str>) -> RawValue {
    RawValue::new(vec![json_payload(&RemoteStarted {
        workflow_id: remote_id.to_owned(),
        run_id: run_id.map(str::to_owned),
    })])
}

/// Temporal's null payload, which reads as `()`.
pub(super) fn null_payload() -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), b"binary/null".to_vec())].into(),
        ..Default::default()
    }
}

pub(super) fn null_result() -> RawValue {
    RawValue::new(vec![null_payload()])
}

/// How the bridge starts `workflow` under `remote_id`: (by default) never a second execution
/// after the first has closed, and what a running one with the id means (`conflict`).
fn start_options(
    workflow: &WorkflowSpec,
    remote_id: &str,
    start: &RemoteStart,
    conflict: WorkflowIdConflictPolicy,
) -> WorkflowStartOptions {
    WorkflowStartOptions::new(workflow.queue, remote_id)
        .id_conflict_policy(conflict)
        .id_reuse_policy(id_reuse_policy(workflow))
        .maybe_retry_policy(workflow.workflow_retry.map(|r| r.to_policy(&[])))
        .maybe_execution_timeout(start.execution)
        .maybe_run_timeout(start.run)
        .maybe_header(trace_header(start))
        .memo(origin_memo(start))
        .build()
}

/// The caller's trace context ([`TRACE_HEADER`]), as the remote workflow's start header.
fn trace_header(start: &RemoteStart) -> Option<Header> {
    start.trace.clone().map(|trace| Header {
        fields: [(TRACE_HEADER.to_owned(), trace)].into(),
    })
}

/// The memo that marks an execution as started by this bridge, for this call ([`ORIGIN_MEMO`]).
fn origin_memo(start: &RemoteStart) -> MemoValues {
    let mut memo = MemoValues::new();
    memo.insert(ORIGIN_MEMO, start.origin.clone());
    memo
}

fn id_reuse_policy(workflow: &WorkflowSpec) -> WorkflowIdReusePolicy {
    match workflow.id_reuse {
        IdReuse::RejectDuplicate => WorkflowIdReusePolicy::RejectDuplicate,
        IdReuse::AllowDuplicateFailedOnly => WorkflowIdReusePolicy::AllowDuplicateFailedOnly,
    }
}

/// Starts the method's remote workflow, or finds the one execution that already has this id
/// and attaches to it, if the gateway admits the call to it.
///
/// A start that finds the id taken, running or closed, fails ("already started"), so that a
/// fresh start and an attach are told apart, and an attach is checked. The returned handle
/// names the started run, or no run (the id's latest) when attaching.
async fn start_or_attach(
    client: &Client,
    a: &Attempt,
    workflow: &WorkflowSpec,
    args: Vec<Payload>,
) -> Result<RemoteHandle, ActivityError> {
    let conflict = WorkflowIdConflictPolicy::Fail;
    let options = start_options(workflow, &a.remote_id, &a.remote_start, conflict);
    let remote_type = UntypedWorkflow::new(workflow.workflow_type);
    match client
        .start_workflow(remote_type, RawValue::new(args), options)
        .await
    {
        Ok(handle) => {
            debug!(remote_run_id = ?handle.run_id(), "remote workflow started");
            a.metrics.started(true);
            Ok(handle)
        }
        Err(WorkflowStartError::AlreadyStarted { run_id, .. }) => {
            gate::admit(client, a).await?;
            info!(remote_run_id = ?run_id, "remote workflow already started; attaching to it");
            a.metrics.started(false);
            Ok(client.get_workflow_handle::<UntypedWorkflow>(&a.remote_id))
        }
        Err(e) => {
            a.metrics.start_error();
            Err(e.failure(a.spec, &a.remote_id))
        }
    }
}

/// Long-polls the remote workflow's close event, heartbeating so that a dead bridge is noticed
/// within one heartbeat timeout, and looking out for a remote workflow that makes no progress
/// ([`Watch`]). Follows continue-as-new and retries to the final run. `None` once `hand_over`
/// has passed with the remote workflow still running.
async fn wait_for(
    client: &Client,
    handle: RemoteHandle,
    a: &Attempt,
    workflow: &WorkflowSpec,
    hand_over: Option<Duration>,
) -> Result<Option<RawValue>, ActivityError> {
    let progress = Mutex::new(a.progress(handle.run_id()));
    let mut watch = Watch::new(a, client, workflow.queue);
    let waited = heartbeating(&a.ctx, &progress, &a.metrics, async {
        let result = handle.get_result(WorkflowGetResultOptions::default());
        tokio::pin!(result);
        let hand_over = async {
            match hand_over {
                Some(after) => tokio::time::sleep(after).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(hand_over);
        loop {
            // The look is a branch of its own, so that the result and a cancellation are seen
            // while it waits on cluster B.
            // The look's requests are boxed, so that a call that only waits carries a timer,
            // not their state (a waiting call's size is the bridge's memory per call).
            let look = async {
                tokio::time::sleep(watch.next_look()).await;
                Box::pin(watch.look(&progress)).await
            };
            tokio::select! {
                // A result that is ready wins over a hand-over due at the same time.
                biased;
                r = &mut result => return Waited::Closed(r),
                _ = a.ctx.cancelled() => return Waited::Cancelled,
                _ = &mut hand_over => return Waited::HandOver,
                stuck = look => {
                    if let Some(reason) = stuck {
                        return Waited::Stuck(reason);
                    }
                }
            }
        }
    })
    .await;
    drop(watch);
    let outcome = match waited {
        Waited::Closed(outcome) => outcome,
        Waited::HandOver => return Ok(None),
        Waited::Cancelled => {
            if Box::pin(cancel_requested(&a.ctx)).await {
                let reason = format!("the caller of {} was cancelled", a.spec.label());
                Box::pin(act_on_remote(client, a, workflow.on_cancel, &reason)).await;
            } else {
                info!(
                    "bridge activity stopped without a cancel request; the remote workflow is left for the next attempt"
                );
            }
            return Err(ActivityError::cancelled());
        }
        Waited::Stuck(reason) => {
            warn!(%reason, on_cancel = ?workflow.on_cancel, "failing the stuck call (on_stuck = fail)");
            let why = format!("{} gave up on a stuck remote workflow", a.spec.label());
            Box::pin(act_on_remote(client, a, workflow.on_cancel, &why)).await;
            return Err(a.fail(Failure::RemoteStuck, reason));
        }
    };
    match outcome {
        Ok(raw) => {
            info!("remote workflow completed");
            Ok(Some(raw))
        }
        Err(e) => {
            let failure = e.read(a.spec, &a.remote_id);
            match failure.kind() {
                Failure::Transport => a.metrics.wait_error(),
                kind => info!(
                    failure = kind.type_name(),
                    message = failure.message(),
                    "remote workflow ended without a result"
                ),
            }
            Err(failure.into_error(a.spec, Some(&a.remote_id)))
        }
    }
}

/// How a wait ended.
enum Waited<R> {
    /// The remote workflow closed (or the long-poll failed).
    Closed(R),
    /// The activity was cancelled: by the caller, a shutdown, or a timed-out attempt.
    Cancelled,
    /// `on_stuck = "fail"`, and the remote workflow was stuck for `stuck_after`: why.
    Stuck(String),
    /// The hand-over time passed with the remote workflow still running.
    HandOver,
}

/// Cancels, terminates or leaves the remote workflow per `on_cancel`, saying `reason`: for a
/// caller's cancellation (the SDK does not say why an activity is cancelled, so the caller
/// checks [`cancel_requested`] first: a shutdown or a timed-out attempt must leave the remote
/// workflow for the next attempt), or for a stuck call that fails.
async fn act_on_remote(client: &Client, a: &Attempt, on_cancel: OnCancel, reason: &str) {
    if on_cancel == OnCancel::Abandon {
        info!("the remote workflow keeps running (on_cancel = abandon)");
        return;
    }
    let remote = client.get_workflow_handle::<UntypedWorkflow>(&a.remote_id);
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=CANCEL_ATTEMPTS {
        let result = if on_cancel == OnCancel::Terminate {
            let options = WorkflowTerminateOptions::builder()
                .reason(reason.to_owned())
                .build();
            remote.terminate(options).await
        } else {
            let options = WorkflowCancelOptions::builder()
                .reason(reason.to_owned())
                .build();
            remote.cancel(options).await
        };
        match result {
            Ok(()) => {
                info!(?on_cancel, "acted on the remote workflow");
                return;
            }
            // Already closed: nothing left to act on.
            Err(WorkflowInteractionError::NotFound(_)) => return,
            Err(e) if attempt == CANCEL_ATTEMPTS => {
                warn!(error = %e, ?on_cancel, "could not act on the remote workflow; it may keep running");
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
