//! The gateway: a call reaches on cluster B only what a bridge started for it.
//!
//! Every execution the bridge starts carries its [`Origin`] memo. Before a call attaches to an
//! execution that already exists, sends it a signal or update, queries it, waits on it or
//! cancels it, the gateway reads that memo (one `DescribeWorkflowExecution`) and compares it
//! with the call's own origin, by the call's [`Claim`]. Before anything, a caller's own choice
//! of id is checked against what the method opens ([`ExplicitIds`]). A refusal is one WARN line
//! and the `temporal_bridge_refused` metric (the audit trail, without payloads), and a
//! non-retryable failure that names the id and the method and returns nothing of the execution.

use super::attempt::Attempt;
use crate::spec::{ExplicitIds, MethodSpec, Targets, WorkflowSpec};
use crate::wire::{Failure, ORIGIN_MEMO, Origin};
use temporalio_client::{
    Client, NamespacedClient, WorkflowDescribeOptions, WorkflowExecutionInfo, WorkflowHandle,
    errors::WorkflowInteractionError,
};
use temporalio_common::UntypedWorkflow;
use temporalio_common::data_converters::{
    GenericPayloadConverter, PayloadConverter, SerializationContext, SerializationContextData,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse;
use temporalio_sdk::activities::ActivityError;
use tracing::warn;

/// What a call may touch on cluster B besides what it starts fresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// A start under the default per-call id: only an execution a bridge of this source
    /// started for this same call (the caller's workflow and run, the method).
    Call,
    /// A start under the method's id template or an id the method lets callers choose: an
    /// execution a bridge of this source started for the same method (a business key is
    /// shared on purpose).
    Method,
    /// A signal, query or update, or a handle's wait or cancel: what a bridge of this source
    /// started, or what the method opens.
    Target(Targets),
}

/// The id a start of `workflow` (method `spec`'s own, or its with-start workflow's) runs
/// under, and what it may attach to: the default id claims the call; the template's id, or an
/// id the method opens, claims the method; any other id the caller chose is refused.
pub(super) fn start_claim(
    shared: &super::BridgeShared,
    spec: &'static MethodSpec,
    workflow: &WorkflowSpec,
    given: Option<&str>,
    start_args: &[Payload],
    source_workflow_id: Option<&str>,
) -> Result<Claim, ActivityError> {
    let Some(id) = given else {
        return Ok(Claim::Call);
    };
    let templated = workflow
        .id_template
        .and_then(|t| (t.0)(start_args.to_vec()))
        .is_some_and(|t| t == id);
    if templated || workflow.explicit_ids.allow(id) {
        return Ok(Claim::Method);
    }
    let opens = match workflow.explicit_ids {
        ExplicitIds::Prefix(p) => format!("only ids that start with `{p}`"),
        _ => "no id of the caller's choosing (declare `explicit_id = true` or `id_prefix`)"
            .to_owned(),
    };
    let why = format!("{} accepts {opens}", spec.label());
    Err(refuse(
        shared,
        spec,
        id,
        source_workflow_id,
        Failure::IdNotAllowed,
        &why,
    ))
}

/// Admits the call to the execution `a.remote_id` names on cluster B, if it exists, by the
/// call's claim; `Ok` too when it does not (a start creates it; anything else reports it
/// missing as before).
pub(super) async fn admit(client: &Client, a: &Attempt) -> Result<(), ActivityError> {
    let found = match origin_of(client, &a.remote_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(()),
        Err(e) => return Err(a.fail(Failure::Transport, format!("describe: {e}"))),
    };
    let own = &a.remote_start.origin;
    let same_source = found
        .as_ref()
        .is_some_and(|o| o.source_cluster == own.source_cluster && o.namespace == own.namespace);
    let same_method = same_source && found.as_ref().is_some_and(|o| o.method == own.method);
    let verdict = match a.claim {
        Claim::Call => {
            let same_call = found
                .as_ref()
                .is_some_and(|o| o.workflow_id == own.workflow_id && o.run_id == own.run_id);
            (same_method && same_call)
                .then_some(())
                .ok_or(Failure::NotOwned)
        }
        Claim::Method => same_method.then_some(()).ok_or(Failure::NotOwned),
        Claim::Target(targets) => {
            let opened = match targets {
                Targets::Any => true,
                Targets::Prefix(p) => a.remote_id.starts_with(p),
                Targets::Bridged => false,
            };
            (same_source || opened)
                .then_some(())
                .ok_or(Failure::TargetNotAllowed)
        }
    };
    verdict.map_err(|kind| {
        let why = match (&found, kind) {
            (None, _) => "it was not started through a bridge",
            (Some(_), Failure::TargetNotAllowed) => "a bridge of another source started it",
            (Some(_), _) => "a bridge started it for another call, method or source",
        };
        refuse(
            &a.shared,
            a.spec,
            &a.remote_id,
            own.workflow_id.as_deref(),
            kind,
            why,
        )
    })
}

/// Who started the execution `id` names: `None` when there is none; `Some(None)` when it has
/// no origin that reads. The server does not carry a memo over to a run that continued as new;
/// the Rust SDK copies it, other SDKs may not. So when the latest run has none, the first run of
/// its chain (the one a bridge started) is read.
async fn origin_of(
    client: &Client,
    id: &str,
) -> Result<Option<Option<Origin>>, WorkflowInteractionError> {
    let latest = match describe(client, id, None).await {
        Ok(d) => d,
        Err(WorkflowInteractionError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if let Some(found) = origin(&latest) {
        return Ok(Some(Some(found)));
    }
    let info = latest.workflow_execution_info.as_ref();
    let first = info.map(|i| i.first_run_id.as_str()).unwrap_or_default();
    let run = info
        .and_then(|i| i.execution.as_ref())
        .map(|e| e.run_id.as_str())
        .unwrap_or_default();
    if first.is_empty() || first == run {
        return Ok(Some(None));
    }
    // A first run past retention leaves no origin to read: refused, not retried.
    match describe(client, id, Some(first)).await {
        Ok(first) => Ok(Some(origin(&first))),
        Err(WorkflowInteractionError::NotFound(_)) => Ok(Some(None)),
        Err(e) => Err(e),
    }
}

/// `DescribeWorkflowExecution` of `id`'s latest run, or of `run`.
async fn describe(
    client: &Client,
    id: &str,
    run: Option<&str>,
) -> Result<DescribeWorkflowExecutionResponse, WorkflowInteractionError> {
    let execution = WorkflowExecutionInfo::builder()
        .namespace(NamespacedClient::namespace(client))
        .workflow_id(id)
        .maybe_run_id(run.map(str::to_owned))
        .build();
    WorkflowHandle::<_, UntypedWorkflow>::new(client.clone(), execution)
        .describe(WorkflowDescribeOptions::default())
        .await
        .map(|d| d.raw_description)
}

/// Who started the described execution: its [`ORIGIN_MEMO`], if it has one that reads.
fn origin(d: &DescribeWorkflowExecutionResponse) -> Option<Origin> {
    let payload = d
        .workflow_execution_info
        .as_ref()?
        .memo
        .as_ref()?
        .fields
        .get(ORIGIN_MEMO)?
        .clone();
    let converter = PayloadConverter::default();
    let data = SerializationContextData::None;
    let context = SerializationContext::new(&data, &converter);
    converter.from_payload(&context, payload).ok()
}

/// The audit line and metric of a refusal, and the call's failure.
fn refuse(
    shared: &super::BridgeShared,
    spec: &MethodSpec,
    remote_id: &str,
    source_workflow_id: Option<&str>,
    kind: Failure,
    why: &str,
) -> ActivityError {
    let reason = match kind {
        Failure::NotOwned => "not_owned",
        Failure::IdNotAllowed => "id_not_allowed",
        _ => "target_not_allowed",
    };
    warn!(
        method = spec.label(),
        source_workflow_id = source_workflow_id.unwrap_or(""),
        remote_workflow_id = %remote_id,
        reason,
        "call refused by the gateway: {why}"
    );
    shared.metrics.refused(spec, reason);
    let message = format!(
        "{}: the bridge does not let this call reach remote workflow `{remote_id}`: {why}",
        spec.label()
    );
    kind.error(spec, Some(remote_id), message)
}
