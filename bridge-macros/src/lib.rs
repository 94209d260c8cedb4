//! Procedural macros of temporal-bridge.
//!
//! Use them through `bridge_runtime` (`use bridge_runtime::prelude::*;`): the expansion refers
//! to `::bridge_runtime` (or the path given by `crate = "..."`), so that a user crate needs only
//! that crate and the Temporal SDK.
//!
//! The logic lives in plain modules on `proc_macro2`, so that it can be unit-tested; the entry
//! points below only convert token streams. `#[bridge]` runs in three steps: `model` parses
//! the trait and its attributes, `check` applies the rules across methods, and `expand`
//! generates; errors from the first two are collected together (`errors`), and on error
//! `fallback` emits stubs instead of the expansion.

use proc_macro::TokenStream;

mod attrs;
mod check;
mod duration;
mod errors;
mod expand;
mod fallback;
mod model;
mod template;

/// Turns a trait of remote workflow methods into bridge activities, typed callers and
/// registration glue.
///
/// ```ignore
/// #[bridge]                       // or #[bridge(task_queue = "my-bridge")]
/// pub trait Fulfillment {
///     #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
///     async fn fulfill(order: Order) -> Shipment;
/// }
/// ```
///
/// For a trait `T` this emits, next to the trait itself:
/// - `TCaller`, with one `async fn method(ctx, args…) -> Result<Output, BridgeError>` per method,
///   for workflow code on the source cluster;
/// - `TBridge`, which a `BridgeWorker` registers, and which offers a pure
///   `method_remote_id(&CallSite)` per method: the deterministic default remote workflow id
///   (with an `id` template, `method_remote_id(&arg…)` instead, taking a `String` argument as
///   `&str`).
///
/// Argument types implement serde's `Serialize` and `Deserialize`: callers encode them, and the
/// bridge decodes each call's JSON arguments to refuse, before starting anything, a call that
/// the remote worker could not read. Result types implement `Deserialize`.
///
/// Trait-level keys:
/// - `task_queue`: the bridge task queue on the source cluster (default `"temporal-bridge"`,
///   `bridge_runtime::DEFAULT_BRIDGE_QUEUE`);
/// - `crate`: the path through which the expansion reaches the runtime, for a crate that
///   depends on it through a re-export, like `#[bridge(crate = "my_api::bridge_runtime")]`
///   (default `"::bridge_runtime"`).
///
/// Signals, queries and updates of a remote workflow are methods too:
/// `#[remote_signal(cluster = "b")]`, `#[remote_query(cluster = "b")]` and
/// `#[remote_update(cluster = "b")]`, each with an optional `name` of the handler (default: the
/// method name). Their callers take the target workflow (an id or a `RemoteWorkflowHandle`)
/// after `ctx`.
///
/// Method-level keys of `#[remote_workflow(...)]`:
/// - `cluster` (required): the destination cluster's name in the bridge's pool;
/// - `queue` (required): the remote workflow's task queue on that cluster;
/// - `workflow`: the remote workflow type (default: the method name in UpperCamelCase);
/// - `id`: a remote workflow id template over the arguments, like `"fulfill-{order.id}"`;
/// - `on_cancel`: `"cancel"` (default), `"terminate"` or `"abandon"`;
/// - `on_stuck`: `"wait"` (default: a stuck remote workflow is reported in the bridge's log,
///   metrics and heartbeat details, and the call keeps waiting) or `"fail"` (the call fails with
///   `BridgeError::RemoteStuck` once it has been stuck for `stuck_after`, default `"2m"`);
/// - `start_to_close_timeout` (default `"1h"`), `heartbeat_timeout` (default `"5s"`),
///   `execution_timeout`, `run_timeout`: durations like `"30s"` or `"1h30m"`;
/// - `long_wait_after` (default `"10s"`), `long_wait_heartbeat_timeout` (default `"1m"`): a
///   call still waiting after `long_wait_after` is handed over to a long wait, whose activity
///   heartbeats against `long_wait_heartbeat_timeout` (one write on the source cluster about
///   every 48 s instead of every 4 s);
/// - `workflow_retry(...)`, `bridge_retry(...)`: `initial_interval`, `backoff`, `max_interval`,
///   `max_attempts`, `non_retryable = [...]`;
/// - `id_reuse_policy`: `"reject_duplicate"` (default) or `"allow_duplicate_failed_only"`.
///
/// The callers' names follow one rule, `X_with_Y` adds `Y` to `X`. Each `#[remote_workflow]`
/// method `m` gets:
/// - `TCaller::m(ctx, args…)`: runs the remote workflow and waits for its result;
/// - `TCaller::m_with_options(ctx, options, args…)`: the same, with per-call `CallOptions`
///   (a remote workflow id, timeouts);
/// - `TCaller::start_m(ctx, args…)`: a handle once it has started, or a detached start.
///
/// A signal or update `h` with `with_start = "m"` also gets
/// `TCaller::h_with_start(ctx, m's args…, h's args…)`: signal-with-start or update-with-start.
/// A method of the trait named like one of these is an error, as are names starting with
/// `__Bridge`, which the expansion reserves.
///
/// The bridge activity of `T::method` is named `bridge.T.method`.
///
/// Equivalent hand-written code, in short: a `RemoteMethod` impl per method carrying these
/// settings in a `MethodSpec`, a caller that schedules the bridge activity `bridge.T.method`
/// with the method's options, and a `BridgeRegistration` impl that adds every marker to the
/// worker.
#[proc_macro_attribute]
pub fn bridge(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::bridge(args.into(), item.into()).into()
}

/// Marks a method of a `#[bridge]` trait as a remote workflow. Read by `#[bridge]`; on its own
/// it is an error.
#[proc_macro_attribute]
pub fn remote_workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::orphan_helper("remote_workflow", args.into(), item.into()).into()
}

/// Marks a method of a `#[bridge]` trait as a signal to a remote workflow. Read by `#[bridge]`;
/// on its own it is an error.
#[proc_macro_attribute]
pub fn remote_signal(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::orphan_helper("remote_signal", args.into(), item.into()).into()
}

/// Marks a method of a `#[bridge]` trait as a query of a remote workflow. Read by `#[bridge]`;
/// on its own it is an error.
#[proc_macro_attribute]
pub fn remote_query(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::orphan_helper("remote_query", args.into(), item.into()).into()
}

/// Marks a method of a `#[bridge]` trait as an update of a remote workflow. Read by
/// `#[bridge]`; on its own it is an error.
#[proc_macro_attribute]
pub fn remote_update(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::orphan_helper("remote_update", args.into(), item.into()).into()
}
