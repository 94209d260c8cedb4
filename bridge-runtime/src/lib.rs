#![warn(missing_docs)]
//! # temporal-bridge runtime
//!
//! Call workflows on another, independent Temporal cluster from workflow code, through a
//! *bridge worker* that polls a task queue on the calling cluster and acts as a client of the
//! other one. Annotate a trait with [`bridge`]; this crate holds what the expansion runs on:
//! the [`ClusterPool`], the [`BridgeWorker`], the deterministic [`ids`], and the typed
//! [`BridgeError`].
//!
//! ```ignore
//! use bridge_runtime::prelude::*;
//!
//! #[bridge]
//! pub trait Fulfillment {
//!     #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
//!     async fn fulfill(order: Order) -> Shipment;
//! }
//!
//! // In a workflow on cluster "a":
//! let shipment = FulfillmentCaller::fulfill(ctx, order).await?;
//!
//! // The bridge process: reads bridge.toml (and TEMPORAL_BRIDGE_* variables), runs until
//! // SIGTERM, then drains.
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     bridge_runtime::cli::main(|worker| worker.register(FulfillmentBridge)).await
//! }
//! ```

mod activity;
pub use activity::mock;
mod call;
pub mod callee;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod ids;
mod limits;
pub mod metrics;
mod pool;
pub mod spec;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;
mod worker;

pub use bridge_macros::{bridge, remote_query, remote_signal, remote_update, remote_workflow};
pub use call::{CallOptions, RemoteTarget, RemoteWorkflowHandle, bridge_retry_policy};
pub use callee::CalleeError;
pub use error::{BridgeError, ConfigError, PoolError, Refusal, WorkerError};
pub use pool::{ClusterPool, ClusterPoolBuilder};
pub use spec::{
    CallTimeouts, DEFAULT_BRIDGE_QUEUE, ExplicitIds, IdReuse, Limits, OnCancel, OnStuck, Targets,
};
pub use worker::{
    BridgeRegistration, BridgeWorker, DEFAULT_GRACE_PERIOD, DEFAULT_MAX_CONCURRENT_CALLS,
    DEFAULT_MAX_POLLERS, run_sdk_worker_until, run_sdk_worker_until_signal, shutdown_signal,
};

/// Everything a user of the macros needs in one import: the attributes, what workflow code on
/// the source cluster calls with (`CallOptions`, `RemoteWorkflowHandle`, `BridgeError`), and
/// what a bridge's `main` is made of.
pub mod prelude {
    pub use crate::{
        BridgeError, BridgeRegistration, BridgeWorker, CallOptions, CalleeError, ClusterPool,
        RemoteWorkflowHandle, bridge, remote_query, remote_signal, remote_update, remote_workflow,
    };
}

/// Paths used by generated code. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::{
        BridgeRegistration, CallOptions, CallTimeouts, DEFAULT_BRIDGE_QUEUE, OnCancel, OnStuck,
        RemoteTarget, RemoteWorkflowHandle,
        call::{
            call_handler, call_remote_workflow, signal_with_start, start_remote_workflow,
            update_with_start,
        },
        callee::{CalleeError, HandlerKind, serve_handler, serve_workflow},
        error::BridgeError,
        ids::{CallSite, default_remote_id},
        mock::{Mock, MockFailure},
        spec::{
            ExplicitIds, HandlerSpec, IdReuse, IdTemplate, Limits, MethodKind, MethodSpec,
            RemoteMethod, RetrySpec, Targets, WorkflowSpec, cluster_name, template_id_of,
        },
        worker::Registrar,
    };
    pub use temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
    pub use temporalio_common::{
        QueryDefinition, SignalDefinition, UpdateDefinition, WorkflowDefinition,
    };
    pub use temporalio_sdk::WorkerOptions;
    pub use temporalio_workflow::WorkflowContext;
    pub use temporalio_workflow::workflows::WorkflowImplementation;
}
