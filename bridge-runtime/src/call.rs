//! The workflow side of a bridged call: what the generated typed callers run inside workflow
//! code on the source cluster.

use crate::{
    error::BridgeError,
    spec::{
        CallHeader, CallTimeouts, FailureDetails, MethodSpec, OnCancel, RemoteWorkflowMethod,
        failure_types as ft,
    },
};
use std::time::Duration;
use temporalio_common::{
    RetryPolicy, UntypedActivity,
    data_converters::{
        GenericPayloadConverter, PayloadConverter, RawValue, SerializationContext,
        SerializationContextData, WorkflowSerializationContext,
    },
    error::{ActivityExecutionError, IncomingError},
    protos::temporal::api::failure::v1::{Failure, failure::FailureInfo},
};
use temporalio_workflow::{ActivityCancellationType, ActivityOptions, WorkflowContext};

/// Per-call settings of a bridged call. The generated callers pass the trait's declared values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// An explicit remote workflow id; `None` uses the deterministic default.
    pub remote_workflow_id: Option<String>,
    /// Attempt and heartbeat timeouts of the bridge activity; `None` keeps the method's.
    pub timeouts: Option<CallTimeouts>,
}

/// The bridge activity's retry policy: retry transport trouble forever with backoff; the bridge
/// marks final outcomes non-retryable itself, and they are listed here too for bridges that
/// predate a type.
pub fn bridge_retry_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(30))
        .non_retryable_error_types(ft::NON_RETRYABLE.iter().copied())
        .build()
}

/// Calls remote workflow method `M` from workflow code and waits for its result.
///
/// The generated `…Caller::method(ctx, args)` functions are thin wrappers around this.
pub async fn call_remote_workflow<M: RemoteWorkflowMethod, W>(
    ctx: &WorkflowContext<W>,
    args: M::Args,
    options: CallOptions,
) -> Result<M::Output, BridgeError> {
    let spec = &M::SPEC;
    let converter = ctx.payload_converter();
    let data = SerializationContextData::Workflow(WorkflowSerializationContext::new());
    let sctx = SerializationContext::new(&data, converter);
    let payload_error = |what: &str, e: &dyn std::fmt::Display| BridgeError::Payload {
        method: method_name(spec),
        message: format!("{what}: {e}"),
    };
    let header = CallHeader {
        remote_workflow_id: options.remote_workflow_id,
    };
    let mut payloads = vec![
        converter
            .to_payload(&sctx, &header)
            .map_err(|e| payload_error("cannot encode the call header", &e))?,
    ];
    payloads.extend(
        converter
            .to_payloads(&sctx, &args)
            .map_err(|e| payload_error("cannot encode the arguments", &e))?,
    );
    let timeouts = options.timeouts.unwrap_or(spec.timeouts);
    let activity_options = ActivityOptions::with_start_to_close_timeout(timeouts.attempt)
        .task_queue(spec.bridge_queue.to_owned())
        .heartbeat_timeout(timeouts.heartbeat)
        // Cancel and terminate act on the remote workflow before the call resolves; abandon
        // only frees the bridge.
        .cancellation_type(match spec.on_cancel {
            OnCancel::Abandon => ActivityCancellationType::TryCancel,
            OnCancel::Cancel | OnCancel::Terminate => {
                ActivityCancellationType::WaitCancellationCompleted
            }
        })
        .retry_policy(bridge_retry_policy())
        .summary(format!(
            "{} on cluster {}",
            spec.workflow_type, spec.cluster
        ))
        .build();
    let outcome = ctx
        .execute_activity(
            UntypedActivity::new(spec.activity_type),
            RawValue::new(payloads),
            activity_options,
        )
        .await;
    match outcome {
        Ok(raw) => decode_output::<M::Output>(converter, &sctx, spec, raw),
        Err(e) => Err(error_from_activity(spec, converter, &sctx, e)),
    }
}

fn decode_output<T: temporalio_common::data_converters::TemporalDeserializable + 'static>(
    converter: &PayloadConverter,
    sctx: &SerializationContext<'_>,
    spec: &MethodSpec,
    raw: RawValue,
) -> Result<T, BridgeError> {
    converter
        .from_payloads(sctx, raw.payloads)
        .map_err(|e| BridgeError::Payload {
            method: method_name(spec),
            message: format!("cannot decode the remote workflow's result: {e}"),
        })
}

pub(crate) fn method_name(spec: &MethodSpec) -> String {
    format!("{}.{}", spec.trait_name, spec.method)
}

/// Turns the bridge activity's failure into the typed error, reading the stable failure type
/// and the details the bridge attached.
fn error_from_activity(
    spec: &MethodSpec,
    converter: &PayloadConverter,
    sctx: &SerializationContext<'_>,
    err: ActivityExecutionError,
) -> BridgeError {
    let method = method_name(spec);
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
    let remote_workflow_id = details.remote_workflow_id.unwrap_or_default();
    match app.r#type.as_str() {
        ft::REMOTE_FAILED => {
            let (failure_type, message) = remote_cause(&failure);
            BridgeError::RemoteFailed {
                method,
                remote_workflow_id,
                failure_type,
                message,
            }
        }
        ft::REMOTE_CANCELLED => BridgeError::RemoteCancelled {
            method,
            remote_workflow_id,
        },
        ft::REMOTE_TERMINATED => BridgeError::RemoteTerminated {
            method,
            remote_workflow_id,
        },
        ft::REMOTE_TIMED_OUT => BridgeError::RemoteTimedOut {
            method,
            remote_workflow_id,
        },
        ft::REMOTE_NOT_FOUND => BridgeError::RemoteNotFound {
            method,
            remote_workflow_id,
        },
        ft::START_REJECTED => BridgeError::StartRejected {
            method,
            cluster: details.cluster,
            message: failure.message.clone(),
        },
        ft::BAD_PAYLOAD => BridgeError::Payload {
            method,
            message: failure.message.clone(),
        },
        other => BridgeError::Bridge {
            method,
            failure_type: other.to_owned(),
            message: failure.message.clone(),
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
