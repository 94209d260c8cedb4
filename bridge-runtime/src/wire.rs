//! The bridge's wire contract: what a caller in any Temporal SDK sends to a bridge and gets
//! back. Everything here is stable; a change is a new version of the contract. `docs/WIRE.md`
//! is its document for other SDKs, with examples a test checks against these types.
//!
//! # Activities
//!
//! A remote method `T::m` is served by the activity `bridge.T.m` ([`activity_type`]) on the
//! bridge task queue: the whole call. A `#[remote_workflow]` method also has the parts
//! `bridge.T.m.start` ([`START_SUFFIX`]), `.wait` ([`WAIT_SUFFIX`]) and `.cancel`
//! ([`CANCEL_SUFFIX`]) behind handles; a signal or update with `with_start` has
//! `bridge.T.m.with_start` ([`WITH_START_SUFFIX`]).
//!
//! # Input and output
//!
//! The input is a list of payloads: first a JSON [`CallHeader`], then the method's arguments
//! exactly as the remote workflow or handler receives them. The output is the remote result's
//! payload, unchanged, or a [`RemoteStarted`] or [`UpdateWithStartResult`] record for the parts
//! that return one. A workflow written with another SDK calls a bridge by name: schedule
//! `bridge.Fulfillment.fulfill` on the bridge task queue with the arguments `{}` and the order.
//!
//! # Failures
//!
//! A failed call is an application failure whose type is one of [`Failure`]'s stable names,
//! with [`FailureDetails`] as its details; a remote workflow's own failure is its cause.

use serde::{Deserialize, Serialize};

/// The bridge activity type name for `Trait::method`: `bridge.{Trait}.{method}`.
pub fn activity_type(trait_name: &str, method: &str) -> String {
    format!("bridge.{trait_name}.{method}")
}

/// The Temporal header in which every SDK's OpenTelemetry support carries trace context; the
/// bridge passes the caller's on to the remote start, so that one trace spans both clusters.
pub const TRACE_HEADER: &str = "_tracer-data";

/// Header fields that would choose what the bridge starts, and where: a call that sets one is
/// refused, since only the trait the bridge was built with decides that.
pub const ROUTING_FIELDS: [&str; 7] = [
    "workflow_type",
    "workflow",
    "task_queue",
    "queue",
    "cluster",
    "namespace",
    "activity_type",
];

/// First payload of every bridge activity input.
///
/// Unknown fields are ignored so that newer callers can talk to older bridges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallHeader {
    /// The remote workflow id chosen by the caller. When absent the bridge derives the default
    /// deterministic id from the call site (see [`crate::ids`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_workflow_id: Option<String>,
    /// For signal-with-start and update-with-start: how many of the payloads after the header
    /// are the workflow's arguments (the rest are the signal's or update's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_args: Option<usize>,
    /// Overrides the method's remote execution timeout, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_timeout_ms: Option<u64>,
    /// Overrides the method's remote run timeout, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_timeout_ms: Option<u64>,
    /// Overrides the method's `on_stuck`: fail a call whose remote workflow has been stuck for
    /// this many milliseconds; `0` waits (reporting only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_stuck_after_ms: Option<u64>,
    /// For the whole call of a remote workflow: a caller that can continue with a long wait
    /// sets it, and a call still waiting this many milliseconds after its remote workflow
    /// started ends with a [`HandOver`] result instead of the remote result. Absent: the
    /// activity waits for the remote result however long it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_over_after_ms: Option<u64>,
    /// For a cancel (`.cancel`): the caller of a handed-over call (or of a handle's result)
    /// was cancelled, so the bridge acts on the remote workflow as the method's `on_cancel`
    /// says (cancel, terminate, or leave it) rather than cancelling it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub caller_cancelled: bool,
}

/// The result of a whole call that was handed over to a long wait (see
/// [`CallHeader::hand_over_after_ms`]): one `json/plain` payload whose metadata also has
/// [`HAND_OVER_METADATA`] = `"1"`, the remote workflow's [`RemoteStarted`] as its data. A
/// remote result never has that metadata key. The caller then waits with the method's `.wait`
/// activity on this id.
pub type HandOver = RemoteStarted;

/// The payload metadata key that marks a [`HandOver`] result.
pub const HAND_OVER_METADATA: &str = "temporal-bridge-hand-over";

/// Whether `payload` is a [`HandOver`] result.
pub fn is_hand_over(
    payload: &temporalio_common::protos::temporal::api::common::v1::Payload,
) -> bool {
    payload
        .metadata
        .get(HAND_OVER_METADATA)
        .is_some_and(|v| v.as_slice() == b"1")
}

/// Suffix of the start-only bridge activity: `bridge.{Trait}.{method}.start` starts (or attaches
/// to) the remote workflow and returns a [`RemoteStarted`]; same input as the full call.
pub const START_SUFFIX: &str = ".start";

/// Suffix of the wait-only bridge activity: `bridge.{Trait}.{method}.wait` waits for the result of
/// the remote workflow named by the header's `remote_workflow_id`; no other input.
pub const WAIT_SUFFIX: &str = ".wait";

/// Suffix of a handle's cancel activity: `bridge.{Trait}.{method}.cancel` requests cancellation of
/// the remote workflow named by the header's `remote_workflow_id`.
pub const CANCEL_SUFFIX: &str = ".cancel";

/// Suffix of the signal-with-start and update-with-start activities:
/// `bridge.{Trait}.{signal or update}.with_start`. Input: the header (with `start_args`), the
/// workflow's arguments, then the signal's or update's. Output: a [`RemoteStarted`], then for an
/// update its result.
pub const WITH_START_SUFFIX: &str = ".with_start";

/// What the update-with-start bridge activity returns (as one JSON payload: an activity result is
/// one payload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateWithStartResult {
    /// The workflow that was started or updated.
    pub started: RemoteStarted,
    /// The update's result payload, unchanged.
    pub result: WirePayload,
}

/// A payload carried inside JSON, bytes unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePayload {
    /// The payload's metadata (such as `encoding`).
    pub metadata: std::collections::BTreeMap<String, Vec<u8>>,
    /// The payload's data.
    pub data: Vec<u8>,
}

impl From<temporalio_common::protos::temporal::api::common::v1::Payload> for WirePayload {
    fn from(p: temporalio_common::protos::temporal::api::common::v1::Payload) -> Self {
        WirePayload {
            metadata: p.metadata.into_iter().collect(),
            data: p.data,
        }
    }
}

impl From<WirePayload> for temporalio_common::protos::temporal::api::common::v1::Payload {
    fn from(p: WirePayload) -> Self {
        temporalio_common::protos::temporal::api::common::v1::Payload {
            metadata: p.metadata.into_iter().collect(),
            data: p.data,
            ..Default::default()
        }
    }
}

/// What the start-only bridge activity returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStarted {
    /// The remote workflow's id.
    pub workflow_id: String,
    /// The run that was started or attached to, when the cluster said (not when the id's
    /// execution had already closed).
    #[serde(default)]
    pub run_id: Option<String>,
}

/// What a bridge activity records as heartbeat details while it waits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitProgress {
    /// The remote workflow id the call is bound to.
    pub remote_workflow_id: String,
    /// The run the bridge is waiting on, when known.
    #[serde(default)]
    pub remote_run_id: Option<String>,
    /// The destination cluster.
    pub cluster: String,
    /// Why the remote workflow makes no progress, while it is stuck (see
    /// [`crate::spec::OnStuck`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stuck: Option<String>,
}

/// The memo key under which the bridge records, on every execution it starts on cluster B, who
/// started it: an [`Origin`]. Operators on B see it in the UI and in
/// `temporal workflow describe`.
pub const ORIGIN_MEMO: &str = "temporal_bridge_origin";

/// Who started an execution on cluster B through a bridge (the [`ORIGIN_MEMO`] memo).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The bridge's source cluster, by its pool name.
    pub source_cluster: String,
    /// The calling workflow's namespace on the source cluster.
    pub namespace: String,
    /// The calling workflow's id, when the call came from a workflow.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// The calling workflow's run id, when the call came from a workflow.
    #[serde(default)]
    pub run_id: Option<String>,
    /// The `#[remote_workflow]` method whose workflow this is, as `Trait.method`.
    pub method: String,
}

/// Details attached to every bridge failure, so that callers in any SDK can read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureDetails {
    /// `Trait.method`.
    pub method: String,
    /// The remote workflow id, when the call got that far.
    #[serde(default)]
    pub remote_workflow_id: Option<String>,
    /// The destination cluster.
    pub cluster: String,
}

/// Why a bridged call failed, by its stable failure type name: the bridge's activity failures,
/// and the two a caller's workflow fails with when it passes a [`crate::BridgeError`] on.
///
/// Callers in other SDKs match on [`Failure::type_name`]; a name never changes meaning. Whether
/// a failure is retried is part of the contract too ([`Failure::is_retryable`]): the bridge
/// marks final outcomes non-retryable, and [`crate::bridge_retry_policy`] lists them as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// The remote workflow, or an update, failed; the remote failure is the cause.
    RemoteFailed,
    /// The remote workflow was cancelled.
    RemoteCancelled,
    /// The remote workflow was terminated.
    RemoteTerminated,
    /// The remote workflow timed out.
    RemoteTimedOut,
    /// The remote workflow does not exist (never did, or is past retention).
    RemoteNotFound,
    /// The remote workflow made no progress for the method's `stuck_after` (`on_stuck =
    /// "fail"`): no worker polls its queue, or its workflow task keeps failing.
    RemoteStuck,
    /// The destination cluster refused the request for good: a start it rejects, a query the
    /// workflow's state rejects, a permission it denies.
    Rejected,
    /// The call's payloads cannot be read or do not fit the method.
    BadPayload,
    /// The call's id names an execution on the destination that a bridge did not start for
    /// this call (default ids) or this method and source (id templates, explicit ids): the
    /// bridge does not attach to it, signal it or start beside it.
    NotOwned,
    /// The call names a remote workflow id of its own, which the method does not accept
    /// (`explicit_id`, `id_prefix`).
    IdNotAllowed,
    /// A signal, query, update, or a handle's wait or cancel, targets a workflow that no bridge
    /// of the same source started, and the method does not open it (`target`, `target_prefix`).
    TargetNotAllowed,
    /// The destination cluster could not be reached.
    ClusterUnavailable,
    /// A transport error while talking to the destination cluster.
    Transport,
    /// The call was cancelled (a caller's workflow failing with [`crate::BridgeError::Cancelled`]).
    CallCancelled,
    /// Any other bridge error a caller's workflow fails with ([`crate::BridgeError::Bridge`]).
    Bridge,
}

impl Failure {
    /// Every failure, in a fixed order.
    pub const ALL: [Failure; 15] = [
        Failure::RemoteFailed,
        Failure::RemoteCancelled,
        Failure::RemoteTerminated,
        Failure::RemoteTimedOut,
        Failure::RemoteNotFound,
        Failure::RemoteStuck,
        Failure::Rejected,
        Failure::BadPayload,
        Failure::NotOwned,
        Failure::IdNotAllowed,
        Failure::TargetNotAllowed,
        Failure::ClusterUnavailable,
        Failure::Transport,
        Failure::CallCancelled,
        Failure::Bridge,
    ];

    /// The stable failure type name.
    pub const fn type_name(self) -> &'static str {
        match self {
            Failure::RemoteFailed => "BridgeRemoteFailed",
            Failure::RemoteCancelled => "BridgeRemoteCancelled",
            Failure::RemoteTerminated => "BridgeRemoteTerminated",
            Failure::RemoteTimedOut => "BridgeRemoteTimedOut",
            Failure::RemoteNotFound => "BridgeRemoteNotFound",
            Failure::RemoteStuck => "BridgeRemoteStuck",
            Failure::Rejected => "BridgeStartRejected",
            Failure::BadPayload => "BridgeBadPayload",
            Failure::NotOwned => "BridgeNotOwned",
            Failure::IdNotAllowed => "BridgeIdNotAllowed",
            Failure::TargetNotAllowed => "BridgeTargetNotAllowed",
            Failure::ClusterUnavailable => "BridgeClusterUnavailable",
            Failure::Transport => "BridgeTransport",
            Failure::CallCancelled => "BridgeCallCancelled",
            Failure::Bridge => "BridgeError",
        }
    }

    /// Whether a bridge activity that fails this way may be retried: only when the destination
    /// could not be reached or talked to. Everything else is final.
    pub const fn is_retryable(self) -> bool {
        matches!(self, Failure::ClusterUnavailable | Failure::Transport)
    }

    /// The failure of a type name, if it is one of these.
    pub fn from_type_name(name: &str) -> Option<Failure> {
        Failure::ALL.into_iter().find(|f| f.type_name() == name)
    }

    /// The type names of every final activity failure, for retry policies.
    pub fn non_retryable_type_names() -> impl Iterator<Item = &'static str> {
        Failure::ALL
            .into_iter()
            .filter(|f| !f.is_retryable() && !matches!(f, Failure::CallCancelled | Failure::Bridge))
            .map(Failure::type_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_names_are_the_published_ones() {
        // These strings are the contract: callers in other SDKs match on them.
        let names: Vec<_> = Failure::ALL.iter().map(|f| f.type_name()).collect();
        assert_eq!(
            names,
            [
                "BridgeRemoteFailed",
                "BridgeRemoteCancelled",
                "BridgeRemoteTerminated",
                "BridgeRemoteTimedOut",
                "BridgeRemoteNotFound",
                "BridgeRemoteStuck",
                "BridgeStartRejected",
                "BridgeBadPayload",
                "BridgeNotOwned",
                "BridgeIdNotAllowed",
                "BridgeTargetNotAllowed",
                "BridgeClusterUnavailable",
                "BridgeTransport",
                "BridgeCallCancelled",
                "BridgeError",
            ]
        );
        for f in Failure::ALL {
            assert_eq!(Failure::from_type_name(f.type_name()), Some(f));
        }
        let final_ones: Vec<_> = Failure::non_retryable_type_names().collect();
        assert_eq!(
            final_ones,
            [
                "BridgeRemoteFailed",
                "BridgeRemoteCancelled",
                "BridgeRemoteTerminated",
                "BridgeRemoteTimedOut",
                "BridgeRemoteNotFound",
                "BridgeRemoteStuck",
                "BridgeStartRejected",
                "BridgeBadPayload",
                "BridgeNotOwned",
                "BridgeIdNotAllowed",
                "BridgeTargetNotAllowed",
            ]
        );
    }
}
