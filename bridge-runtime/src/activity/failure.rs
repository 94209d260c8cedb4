//! The one place where what went wrong becomes a bridge failure: a [`Failure`] (its stable type
//! name and whether it is retried) with a message that names the method, the remote workflow
//! and the cluster, for the SDK client's errors and the bridge's own refusals alike.

use crate::spec::{MethodKind, MethodSpec};
use crate::wire::{Failure, FailureDetails};
use temporalio_client::{
    errors::{
        WorkflowGetResultError, WorkflowInteractionError, WorkflowQueryError, WorkflowStartError,
        WorkflowUpdateError, WorkflowUpdateWithStartError,
    },
    tonic::{Code, Status},
};
use temporalio_common::error::{ApplicationFailure, IncomingError};
use temporalio_sdk::activities::ActivityError;

/// A failed bridge call, before it becomes the activity's error.
pub(crate) struct CallFailure {
    kind: Failure,
    message: String,
    /// The remote workflow's own failure, kept as the cause.
    cause: Option<IncomingError>,
}

impl CallFailure {
    pub(crate) fn new(kind: Failure, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            cause: None,
        }
    }

    /// `cause` kept as the failure's cause, as a remote workflow's own failure is.
    pub(crate) fn with_cause(mut self, cause: IncomingError) -> Self {
        self.cause = Some(cause);
        self
    }

    /// Which failure this is.
    pub(crate) fn kind(&self) -> Failure {
        self.kind
    }

    /// What happened, in words.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The activity's application failure: the stable type, non-retryable unless the kind is
    /// retried, and [`FailureDetails`] for callers in any SDK.
    pub(crate) fn into_error(self, spec: &MethodSpec, remote_id: Option<&str>) -> ActivityError {
        let details = FailureDetails {
            method: spec.label().to_owned(),
            remote_workflow_id: remote_id.map(str::to_owned),
            cluster: spec.cluster.to_owned(),
        };
        let builder = ApplicationFailure::builder(self.message)
            .type_name(self.kind.type_name().to_owned())
            .non_retryable(!self.kind.is_retryable())
            .details(details);
        ActivityError::application(match self.cause {
            Some(cause) => builder.cause(Box::new(cause)).build(),
            None => builder.build(),
        })
    }
}

impl Failure {
    /// This failure of `spec`'s call, as the activity's error.
    pub(crate) fn error(
        self,
        spec: &MethodSpec,
        remote_id: Option<&str>,
        message: impl Into<String>,
    ) -> ActivityError {
        CallFailure::new(self, message).into_error(spec, remote_id)
    }
}

/// An error of the SDK client, read as a bridge failure of the call to `remote_id`.
pub(crate) trait ReadFailure: Sized {
    /// What the error means for the call.
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure;

    /// [`ReadFailure::read`], as the activity's error.
    fn failure(self, spec: &MethodSpec, remote_id: &str) -> ActivityError {
        self.read(spec, remote_id).into_error(spec, Some(remote_id))
    }
}

/// Trouble on the way to the destination: retried, naming the cluster.
fn transport(spec: &MethodSpec, e: impl std::fmt::Display) -> CallFailure {
    CallFailure::new(
        Failure::Transport,
        format!("cluster `{}`: {e}", spec.cluster),
    )
}

fn not_found(remote_id: &str) -> CallFailure {
    CallFailure::new(
        Failure::RemoteNotFound,
        format!("remote workflow `{remote_id}` was not found"),
    )
}

/// The name of the signal, query or update a method runs.
fn handler(spec: &MethodSpec) -> &'static str {
    match &spec.kind {
        MethodKind::Signal(h) | MethodKind::Query(h) | MethodKind::Update(h) => h.name,
        MethodKind::Workflow(_) => spec.method,
    }
}

impl ReadFailure for Status {
    /// Rejections that no retry can fix are final; everything else is transport trouble.
    fn read(self, spec: &MethodSpec, _remote_id: &str) -> CallFailure {
        match self.code() {
            Code::InvalidArgument | Code::FailedPrecondition | Code::PermissionDenied => {
                CallFailure::new(Failure::Rejected, self.message())
            }
            code => transport(spec, format_args!("{code:?}: {}", self.message())),
        }
    }
}

impl ReadFailure for WorkflowStartError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        match self {
            // Where attaching is right, the caller has already taken this as an attach.
            WorkflowStartError::AlreadyStarted { .. } => CallFailure::new(
                Failure::Rejected,
                format!("remote workflow `{remote_id}` has closed; its id is not reused"),
            ),
            WorkflowStartError::PayloadConversion(e) => CallFailure::new(
                Failure::BadPayload,
                format!("cannot encode the remote workflow's input: {e}"),
            ),
            WorkflowStartError::Rpc(status) => status.read(spec, remote_id),
            other => transport(spec, other),
        }
    }
}

impl ReadFailure for WorkflowInteractionError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        match self {
            WorkflowInteractionError::NotFound(_) => not_found(remote_id),
            WorkflowInteractionError::Rpc(status) => status.read(spec, remote_id),
            other => transport(spec, other),
        }
    }
}

impl ReadFailure for WorkflowQueryError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        match self {
            WorkflowQueryError::NotFound(_) => not_found(remote_id),
            WorkflowQueryError::Rejected { status } => CallFailure::new(
                Failure::Rejected,
                format!(
                    "query `{}` rejected: remote workflow is {status:?}",
                    handler(spec)
                ),
            ),
            WorkflowQueryError::Rpc(status) => status.read(spec, remote_id),
            other => transport(spec, other),
        }
    }
}

impl ReadFailure for WorkflowUpdateError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        match self {
            WorkflowUpdateError::NotFound(_) => not_found(remote_id),
            WorkflowUpdateError::Failed(f) => CallFailure::new(
                Failure::RemoteFailed,
                format!("update `{}` failed: {}", handler(spec), f.message),
            ),
            WorkflowUpdateError::Rpc(status) => status.read(spec, remote_id),
            other => transport(spec, other),
        }
    }
}

impl ReadFailure for WorkflowUpdateWithStartError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        match self {
            // A closed execution under this id is final, as for a plain start (its id is not
            // reused), not transport trouble to retry forever.
            WorkflowUpdateWithStartError::Start(e) => e.read(spec, remote_id),
            WorkflowUpdateWithStartError::Update(e) => e.read(spec, remote_id),
            WorkflowUpdateWithStartError::PayloadConversion(e) => CallFailure::new(
                Failure::BadPayload,
                format!("cannot encode the with-start call's input: {e}"),
            ),
            WorkflowUpdateWithStartError::Rpc(status) => status.read(spec, remote_id),
            other => transport(spec, other),
        }
    }
}

impl ReadFailure for WorkflowGetResultError {
    fn read(self, spec: &MethodSpec, remote_id: &str) -> CallFailure {
        let ended =
            |kind, how| CallFailure::new(kind, format!("remote workflow `{remote_id}` {how}"));
        match self {
            WorkflowGetResultError::Failed(cause) => CallFailure {
                kind: Failure::RemoteFailed,
                message: cause.failure().message.clone(),
                cause: Some(*cause),
            },
            WorkflowGetResultError::Cancelled { .. } => {
                ended(Failure::RemoteCancelled, "was cancelled")
            }
            WorkflowGetResultError::Terminated { .. } => {
                ended(Failure::RemoteTerminated, "was terminated")
            }
            WorkflowGetResultError::TimedOut => ended(Failure::RemoteTimedOut, "timed out"),
            WorkflowGetResultError::NotFound(_) => not_found(remote_id),
            WorkflowGetResultError::PayloadConversion(e) => CallFailure::new(
                Failure::BadPayload,
                format!("cannot read the remote workflow's result: {e}"),
            ),
            other => transport(spec, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{CallTimeouts, HandlerSpec, IdReuse, MethodSpec, OnCancel, WorkflowSpec};

    const STARTED: MethodSpec = MethodSpec {
        trait_name: "Cart",
        method: "cart",
        label: "Cart.cart",
        activity_type: "bridge.Cart.cart",
        cluster: "shop",
        bridge_queue: "temporal-bridge",
        timeouts: CallTimeouts::DEFAULT,
        bridge_retry: None,
        limits: crate::spec::Limits::NONE,
        kind: MethodKind::Workflow(WorkflowSpec {
            queue: "carts",
            workflow_type: "Cart",
            execution_timeout: None,
            run_timeout: None,
            on_cancel: OnCancel::Cancel,
            on_stuck: crate::spec::OnStuck::Wait,
            workflow_retry: None,
            id_reuse: IdReuse::RejectDuplicate,
            id_template: None,
            explicit_ids: crate::spec::ExplicitIds::Refused,
        }),
    };
    const UPDATE: MethodSpec = MethodSpec {
        method: "set_quantity",
        label: "Cart.set_quantity",
        activity_type: "bridge.Cart.set_quantity",
        kind: MethodKind::Update(HandlerSpec {
            name: "set_quantity",
            with_start: Some(&STARTED),
            targets: crate::spec::Targets::Bridged,
        }),
        ..STARTED
    };

    fn read(e: WorkflowUpdateWithStartError) -> (Failure, String) {
        let f = e.read(&UPDATE, "cart-7");
        (f.kind(), f.message().to_owned())
    }

    /// An update-with-start whose id names a closed execution is final, as a plain start's is:
    /// its id is not reused, and retrying would fail the same way forever.
    #[test]
    fn update_with_start_on_a_closed_id_is_final() {
        let (kind, message) = read(WorkflowUpdateWithStartError::Start(
            WorkflowStartError::AlreadyStarted {
                run_id: None,
                source: Status::already_exists("closed"),
            },
        ));
        assert_eq!(kind, Failure::Rejected);
        assert!(!kind.is_retryable());
        assert!(message.contains("cart-7"), "{message}");
    }

    #[test]
    fn update_with_start_reads_the_update_and_transport_errors_as_the_plain_calls_do() {
        let (kind, _) = read(WorkflowUpdateWithStartError::Update(
            WorkflowUpdateError::NotFound(Status::not_found("gone")),
        ));
        assert_eq!(kind, Failure::RemoteNotFound);
        let (kind, message) = read(WorkflowUpdateWithStartError::Rpc(Status::unavailable(
            "connection refused",
        )));
        assert_eq!(kind, Failure::Transport);
        assert!(kind.is_retryable());
        assert!(message.contains("cluster `shop`"), "{message}");
        let (kind, _) = read(WorkflowUpdateWithStartError::Start(
            WorkflowStartError::Rpc(Status::invalid_argument("bad queue")),
        ));
        assert_eq!(kind, Failure::Rejected);
    }
}
