//! Errors: what workflow code sees from a bridged call, and what the pool and worker report.

use crate::wire::Failure;
use std::path::PathBuf;

/// The outcome of a bridged call that did not produce the remote workflow's result.
///
/// Workflow code receives it from a typed caller; with `?` it fails the calling workflow with an
/// application failure whose type is [`BridgeError::failure_type`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The remote workflow failed.
    #[error(
        "remote workflow `{remote_workflow_id}` of {method} failed{}: {message}",
        typed(failure_type)
    )]
    RemoteFailed {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
        /// The remote failure's own type name (empty when it had none).
        failure_type: String,
        /// The remote failure's message.
        message: String,
    },
    /// The remote workflow made no progress on its cluster for the method's `stuck_after`
    /// (`on_stuck = "fail"`): no worker polls its task queue, or its workflow task keeps failing.
    /// The remote workflow was then handled per `on_cancel`.
    #[error("remote workflow `{remote_workflow_id}` of {method} is stuck: {reason}")]
    RemoteStuck {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
        /// Why it makes no progress.
        reason: String,
    },
    /// The remote workflow was cancelled.
    #[error("remote workflow `{remote_workflow_id}` of {method} was cancelled")]
    RemoteCancelled {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
    },
    /// The remote workflow was terminated.
    #[error("remote workflow `{remote_workflow_id}` of {method} was terminated")]
    RemoteTerminated {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
    },
    /// The remote workflow timed out.
    #[error("remote workflow `{remote_workflow_id}` of {method} timed out")]
    RemoteTimedOut {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
    },
    /// The remote workflow no longer exists.
    #[error("remote workflow `{remote_workflow_id}` of {method} was not found")]
    RemoteNotFound {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id.
        remote_workflow_id: String,
    },
    /// The destination cluster refused to start the remote workflow.
    #[error("cluster `{cluster}` refused to start the remote workflow of {method}: {message}")]
    StartRejected {
        /// `Trait.method`.
        method: String,
        /// The destination cluster.
        cluster: String,
        /// The server's reason.
        message: String,
    },
    /// The gateway refused the call: it names a remote workflow the bridge did not start for it,
    /// an id the method does not let a caller choose, or a target the method does not open.
    /// Nothing about the remote workflow is returned.
    #[error("the bridge refused {method} on `{remote_workflow_id}`: {message}")]
    Refused {
        /// `Trait.method`.
        method: String,
        /// The remote workflow id the call named.
        remote_workflow_id: String,
        /// Why.
        refusal: Refusal,
        /// What the bridge said.
        message: String,
    },
    /// A payload of the call could not be encoded or decoded.
    #[error("bad payload in {method}: {message}")]
    Payload {
        /// `Trait.method`.
        method: String,
        /// What could not be read or written.
        message: String,
    },
    /// The call itself was cancelled, usually because the calling workflow was.
    #[error("the call to {method} was cancelled")]
    Cancelled {
        /// `Trait.method`.
        method: String,
    },
    /// The bridge activity gave up for another reason: its retries or timeouts ran out, or a
    /// bridge reported an error this version does not know.
    #[error("the bridge could not complete {method}: {message}")]
    Bridge {
        /// `Trait.method`.
        method: String,
        /// The failure's type name, when it had one.
        failure_type: String,
        /// What happened.
        message: String,
    },
}

/// ` (Type)` after "failed", or nothing when the remote failure has no type.
fn typed(failure_type: &str) -> String {
    if failure_type.is_empty() {
        String::new()
    } else {
        format!(" ({failure_type})")
    }
}

impl BridgeError {
    /// The failure that stands for this error in Temporal failures: its stable type name is
    /// what a caller's workflow fails with when it passes the error on with `?`.
    pub fn failure(&self) -> Failure {
        match self {
            BridgeError::RemoteFailed { .. } => Failure::RemoteFailed,
            BridgeError::RemoteCancelled { .. } => Failure::RemoteCancelled,
            BridgeError::RemoteTerminated { .. } => Failure::RemoteTerminated,
            BridgeError::RemoteTimedOut { .. } => Failure::RemoteTimedOut,
            BridgeError::RemoteNotFound { .. } => Failure::RemoteNotFound,
            BridgeError::RemoteStuck { .. } => Failure::RemoteStuck,
            BridgeError::StartRejected { .. } => Failure::Rejected,
            BridgeError::Payload { .. } => Failure::BadPayload,
            BridgeError::Refused { refusal, .. } => refusal.failure(),
            BridgeError::Cancelled { .. } => Failure::CallCancelled,
            BridgeError::Bridge { .. } => Failure::Bridge,
        }
    }

    /// The stable failure type name that stands for this error ([`BridgeError::failure`]).
    pub fn failure_type(&self) -> &'static str {
        self.failure().type_name()
    }

    /// `Trait.method` of the call that failed.
    pub fn method(&self) -> &str {
        match self {
            BridgeError::RemoteFailed { method, .. }
            | BridgeError::RemoteCancelled { method, .. }
            | BridgeError::RemoteTerminated { method, .. }
            | BridgeError::RemoteTimedOut { method, .. }
            | BridgeError::RemoteNotFound { method, .. }
            | BridgeError::RemoteStuck { method, .. }
            | BridgeError::StartRejected { method, .. }
            | BridgeError::Payload { method, .. }
            | BridgeError::Refused { method, .. }
            | BridgeError::Cancelled { method }
            | BridgeError::Bridge { method, .. } => method,
        }
    }
}

/// Why the gateway refused a call ([`BridgeError::Refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The id names an execution a bridge did not start for this call or method
    /// (`BridgeNotOwned`).
    NotOwned,
    /// The caller chose an id the method does not accept (`BridgeIdNotAllowed`).
    IdNotAllowed,
    /// The target is not a workflow the method may reach (`BridgeTargetNotAllowed`).
    TargetNotAllowed,
}

impl Refusal {
    /// The refusal's failure, whose type name callers in any SDK match on.
    pub fn failure(self) -> Failure {
        match self {
            Refusal::NotOwned => Failure::NotOwned,
            Refusal::IdNotAllowed => Failure::IdNotAllowed,
            Refusal::TargetNotAllowed => Failure::TargetNotAllowed,
        }
    }

    /// The refusal a failure stands for, if it is one.
    pub fn of(failure: Failure) -> Option<Refusal> {
        match failure {
            Failure::NotOwned => Some(Refusal::NotOwned),
            Failure::IdNotAllowed => Some(Refusal::IdNotAllowed),
            Failure::TargetNotAllowed => Some(Refusal::TargetNotAllowed),
            _ => None,
        }
    }
}

impl From<BridgeError> for temporalio_workflow::WorkflowTermination {
    fn from(err: BridgeError) -> Self {
        let failure_type = err.failure_type();
        temporalio_common::error::ApplicationFailure::builder(Box::new(err))
            .type_name(failure_type.to_owned())
            .build()
            .into()
    }
}

/// A bridge configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read bridge config `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is not valid TOML or has unknown or mistyped keys.
    #[error("invalid bridge config `{origin}`: {message}")]
    Parse {
        /// The file, or `<string>`.
        origin: String,
        /// The parser's message, which names the key and line.
        message: String,
    },
    /// A cluster entry is incomplete or contradictory.
    #[error("cluster `{cluster}` in {origin}: {message}")]
    Cluster {
        /// The cluster's name.
        cluster: String,
        /// Where it was configured: a file, or the environment.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A cluster refers to a `temporal.toml` profile that cannot be loaded.
    #[error("cluster `{cluster}`: cannot load temporal.toml profile `{profile}`: {message}")]
    Profile {
        /// The cluster's name.
        cluster: String,
        /// The profile's name.
        profile: String,
        /// The loader's message.
        message: String,
    },
    /// No cluster is configured at all.
    #[error("no clusters configured ({origin})")]
    Empty {
        /// Where the pool looked.
        origin: String,
    },
    /// A bridge process was configured without the cluster it polls.
    #[error("{origin} names no source cluster: set `source` (or TEMPORAL_BRIDGE_SOURCE)")]
    NoSource {
        /// The file, or `the environment`.
        origin: String,
    },
}

/// A cluster could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The name is not in the pool.
    #[error("unknown cluster `{cluster}`; the pool has: {known}")]
    UnknownCluster {
        /// The name asked for.
        cluster: String,
        /// The names the pool knows, comma-separated.
        known: String,
    },
    /// The cluster did not answer.
    #[error("cluster `{cluster}` at {address} is unreachable: {message}")]
    Unreachable {
        /// The cluster's name.
        cluster: String,
        /// Its address.
        address: String,
        /// The transport's message.
        message: String,
    },
    /// The cluster's settings are not usable (bad address, bad TLS material).
    #[error("cluster `{cluster}` is misconfigured: {message}")]
    Invalid {
        /// The cluster's name.
        cluster: String,
        /// What is wrong.
        message: String,
    },
}

/// The bridge worker could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// A registered bridge needs a cluster the pool does not have.
    #[error(
        "bridge `{bridge}` needs cluster `{cluster}` for method `{method}`, but the pool has only: {known}"
    )]
    MissingCluster {
        /// The trait.
        bridge: String,
        /// The method that names the cluster.
        method: String,
        /// The missing cluster.
        cluster: String,
        /// The names the pool knows.
        known: String,
    },
    /// The source cluster the worker should poll is not in the pool.
    #[error("source cluster `{cluster}` is not in the pool; the pool has: {known}")]
    MissingSource {
        /// The source cluster.
        cluster: String,
        /// The names the pool knows.
        known: String,
    },
    /// Nothing was registered.
    #[error("no bridges registered: call `.register(...)` before running")]
    NothingRegistered,
    /// Two registered bridges declare the same activity type.
    #[error("activity type `{activity_type}` is registered twice")]
    Duplicate {
        /// The activity type name.
        activity_type: String,
    },
    /// The worker's settings are out of range.
    #[error("invalid bridge worker setting: {0}")]
    Setting(String),
    /// A cluster could not be used.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// An SDK worker (the bridge's, or a service's) could not be created or failed while
    /// running.
    #[error("SDK worker on `{cluster}`/`{queue}` failed: {message}")]
    Sdk {
        /// The polled cluster.
        cluster: String,
        /// The polled task queue.
        queue: String,
        /// The SDK's message.
        message: String,
    },
}
