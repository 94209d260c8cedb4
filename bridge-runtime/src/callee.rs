//! Cluster B's side of a trait: `…Callee` registers B's workflow for a method, or states that a
//! registered workflow serves a handler, and checks it against what the trait declares.
//!
//! Two checks, each as early as it can be made:
//! - **types, at compile time.** The generated `…Callee` functions bound the workflow's (or the
//!   handler's) `Input` and `Output` to the trait's argument and result types, so a workflow that
//!   takes another type does not compile;
//! - **names, before the worker polls.** The workflow type, the handler name and the task queue
//!   are strings to the SDK, so they are compared here, when the worker's options are built:
//!   a mismatch is a [`CalleeError`] naming the method, what the trait declares and what the
//!   worker has.
//!
//! Without this, a drifted callee is only noticed by the caller, as a call that waits (see
//! [`crate::OnStuck`]).

use crate::spec::{MethodKind, MethodSpec, RemoteMethod};
use temporalio_common::WorkflowDefinition;
use temporalio_sdk::{WorkerOptions, WorkflowRegistrationError};
use temporalio_workflow::workflows::WorkflowImplementation;

/// What kind of handler a `…Callee` function checks.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// `#[signal]`.
    Signal,
    /// `#[query]`.
    Query,
    /// `#[update]`.
    Update,
}

impl HandlerKind {
    fn noun(self) -> &'static str {
        match self {
            HandlerKind::Signal => "signal",
            HandlerKind::Query => "query",
            HandlerKind::Update => "update",
        }
    }
}

/// Cluster B's worker does not serve a method of a trait as the trait declares it. Every
/// variant names the method (`Trait.method`), what the trait declares and what the worker has.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalleeError {
    /// The worker polls another task queue than the one the trait names for the method.
    #[error(
        "{method}: the trait sends it to task queue `{declared}`, but this worker polls \
         `{worker}`; register it on a worker of queue `{declared}`, or change `queue` in the trait"
    )]
    WrongQueue {
        /// `Trait.method`.
        method: &'static str,
        /// The queue in the trait.
        declared: &'static str,
        /// The queue of the worker's options.
        worker: String,
    },
    /// The workflow registers under another type name than the trait starts.
    #[error(
        "{method}: the trait starts workflow type `{declared}`, but the workflow given \
         registers as `{actual}`; set `workflow = \"{actual}\"` in the trait, or \
         `#[run(name = \"{declared}\")]` on the workflow"
    )]
    WrongWorkflowType {
        /// `Trait.method`.
        method: &'static str,
        /// The workflow type in the trait.
        declared: &'static str,
        /// The workflow's type name.
        actual: String,
    },
    /// The handler has another name than the trait sends.
    #[error(
        "{method}: the trait sends {kind} `{declared}`, but the handler given is named \
         `{actual}`; set `name = \"{actual}\"` in the trait, or `#[{kind}(name = \"{declared}\")]` \
         on the handler"
    )]
    WrongHandlerName {
        /// `Trait.method`.
        method: &'static str,
        /// `signal`, `query` or `update`.
        kind: &'static str,
        /// The handler name in the trait.
        declared: &'static str,
        /// The handler's name.
        actual: String,
    },
    /// No workflow registered on the worker has the handler.
    #[error(
        "{method}: no workflow registered on the worker of queue `{queue}` has {kind} \
         `{name}`{within}; register the workflow before its handlers"
    )]
    HandlerNotServed {
        /// `Trait.method`.
        method: &'static str,
        /// `signal`, `query` or `update`.
        kind: &'static str,
        /// The handler name.
        name: &'static str,
        /// The worker's task queue.
        queue: String,
        /// ` in workflow type `T`` when the method starts that workflow (`with_start`); empty
        /// otherwise.
        within: String,
    },
    /// Another workflow (other handlers, or another `#[init]`) is registered under the type
    /// name.
    #[error(
        "{method}: a workflow other than the one given is registered as `{workflow_type}` on \
         this worker; register the workflow only through the `…Callee` functions"
    )]
    OtherWorkflowRegistered {
        /// `Trait.method`.
        method: &'static str,
        /// The workflow type.
        workflow_type: &'static str,
    },
    /// The SDK refused the registration.
    #[error("{method}: {source}")]
    Registration {
        /// `Trait.method`.
        method: &'static str,
        /// The SDK's error.
        source: WorkflowRegistrationError,
    },
    /// The method is not of the kind the `…Callee` function checks (not reachable through
    /// generated code).
    #[error("{method}: not a {expected} of the trait")]
    WrongKind {
        /// `Trait.method`.
        method: &'static str,
        /// What the function expected.
        expected: &'static str,
    },
}

/// Registers workflow `W` on `options` as the remote workflow of method `M`, after checking the
/// worker's task queue and `W`'s type name against the trait. The types were checked by the
/// generated function's bounds.
#[doc(hidden)]
pub fn serve_workflow<M, W>(options: &mut WorkerOptions) -> Result<(), CalleeError>
where
    M: RemoteMethod,
    W: WorkflowImplementation,
    W::Run: WorkflowDefinition<Input = M::Args, Output = M::Output>,
    <W::Run as WorkflowDefinition>::Input: Send,
{
    let spec = &M::SPEC;
    let MethodKind::Workflow(declared) = &spec.kind else {
        return Err(CalleeError::WrongKind {
            method: spec.label,
            expected: "workflow method",
        });
    };
    check_queue(spec, declared.queue, options)?;
    if W::name() != declared.workflow_type {
        return Err(CalleeError::WrongWorkflowType {
            method: spec.label,
            declared: declared.workflow_type,
            actual: W::name().to_owned(),
        });
    }
    // Several methods may start one workflow (with other timeouts or `on_cancel`): the second
    // finds it registered, and checks that it is the same workflow, as far as its definition
    // tells.
    let registered = options
        .workflows()
        .workflow_definitions()
        .find(|d| d.workflow_type == W::name())
        .cloned();
    match registered {
        None => options
            .register_workflow::<W>()
            .map(|_| ())
            .map_err(|source| CalleeError::Registration {
                method: spec.label,
                source,
            }),
        Some(registered) if registered == W::definition() => Ok(()),
        Some(_) => Err(CalleeError::OtherWorkflowRegistered {
            method: spec.label,
            workflow_type: declared.workflow_type,
        }),
    }
}

/// Checks that `handler_name` (the SDK handler's name) is the name method `M` sends, and that a
/// workflow registered on `options` has a handler of that kind and name. For a method with
/// `with_start`, that workflow must be the one the method starts, on the queue it names.
#[doc(hidden)]
pub fn serve_handler<M: RemoteMethod>(
    options: &WorkerOptions,
    kind: HandlerKind,
    handler_name: &str,
) -> Result<(), CalleeError> {
    let spec = &M::SPEC;
    let declared = match (&spec.kind, kind) {
        (MethodKind::Signal(h), HandlerKind::Signal)
        | (MethodKind::Query(h), HandlerKind::Query)
        | (MethodKind::Update(h), HandlerKind::Update) => h,
        _ => {
            return Err(CalleeError::WrongKind {
                method: spec.label,
                expected: kind.noun(),
            });
        }
    };
    if handler_name != declared.name {
        return Err(CalleeError::WrongHandlerName {
            method: spec.label,
            kind: kind.noun(),
            declared: declared.name,
            actual: handler_name.to_owned(),
        });
    }
    let started = declared.with_start.and_then(MethodSpec::workflow);
    if let Some(started) = started {
        check_queue(spec, started.queue, options)?;
    }
    let workflows = options.workflows();
    let served = workflows
        .workflow_definitions()
        .filter(|d| started.is_none_or(|s| d.workflow_type == s.workflow_type))
        .any(|d| match kind {
            HandlerKind::Signal => d.signals.iter().any(|s| s == declared.name),
            HandlerKind::Query => d.queries.iter().any(|q| q == declared.name),
            HandlerKind::Update => d.updates.iter().any(|u| u.name == declared.name),
        });
    if served {
        return Ok(());
    }
    Err(CalleeError::HandlerNotServed {
        method: spec.label,
        kind: kind.noun(),
        name: declared.name,
        queue: options.task_queue.clone(),
        within: started
            .map(|s| format!(" in workflow type `{}`", s.workflow_type))
            .unwrap_or_default(),
    })
}

fn check_queue(
    spec: &MethodSpec,
    declared: &'static str,
    options: &WorkerOptions,
) -> Result<(), CalleeError> {
    if options.task_queue == declared {
        return Ok(());
    }
    Err(CalleeError::WrongQueue {
        method: spec.label,
        declared,
        worker: options.task_queue.clone(),
    })
}
