//! Fixtures of the integration tests: a contract with probe workflows on cluster B, caller
//! workflows on cluster A, and helpers that start real clusters, workers and bridge processes.

pub mod debian;
pub mod http;
pub mod prometheus;
pub mod regions;
pub mod tls;

use bridge_runtime::{
    BridgeError,
    ids::{CallSite, DEFAULT_MAX_ID_LEN, finalize_id},
    prelude::*,
    testing::{LocalClusters, WorkerThread, scheduled_activities},
};
use serde::{Deserialize, Serialize};
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use temporalio_client::{Client, WorkflowDescribeOptions, errors::WorkflowInteractionError};
use temporalio_common::{
    HasWorkflowDefinition, UntypedActivity, UntypedWorkflow,
    data_converters::RawValue,
    error::ApplicationFailure,
    protos::temporal::api::{
        common::v1::Payload,
        enums::v1::{PendingActivityState, WorkflowExecutionStatus},
        failure::v1::failure::FailureInfo,
        workflow::v1::PendingActivityInfo,
        workflowservice::v1::DescribeWorkflowExecutionResponse,
    },
};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::{
    ActivityOptions, ContinueAsNewOptions, SyncWorkflowContext, WorkflowContext,
    WorkflowContextView, WorkflowResult,
    activities::{ActivityContext, ActivityError},
};

/// Task queue of the caller workflows on A.
pub const A_QUEUE: &str = "probe-a";
/// Task queue of the probe workflows on B.
pub const B_QUEUE: &str = "probe-b";

/// `temporal server start-dev` arguments for tests and benches that measure time.
///
/// A dev server has one history shard, and the default `history.transferProcessorMaxPollRPS`
/// (20 per shard) makes each task dispatch that follows another within 50 ms wait for the next
/// transfer-queue read: 30–45 ms each, which is the server's pace, not the bridge's.
pub const FAST_DISPATCH_SERVER_ARGS: [&str; 2] = [
    "--dynamic-config-value",
    "history.transferProcessorMaxPollRPS=1000",
];

/// What the echo probe returns: the tag it got and where it ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Echo {
    /// The caller's tag.
    pub tag: String,
    /// The remote workflow's own id, as B saw it.
    pub remote_workflow_id: String,
}

/// A request with a business key, for the id template probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedRequest {
    /// The business key.
    pub key: String,
    /// The caller's tag.
    pub tag: String,
}

/// The test contract.
#[bridge]
pub trait Probe {
    /// Returns the tag and the remote id.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "EchoWorkflow")]
    async fn echo(tag: String) -> Echo;

    /// Sleeps `secs` on a durable timer, then returns `slept {secs}`.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "SleepWorkflow")]
    async fn sleep(secs: u64) -> String;

    /// Continues-as-new `n` times, then returns `reached zero in run {run id}`.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "CountdownWorkflow")]
    async fn countdown(n: u32) -> String;

    /// Returns its argument at once: the bench's no-op remote workflow.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "NoopWorkflow")]
    async fn noop(n: u32) -> u32;

    /// An echo under the caller's business key: calls with the same key share one execution.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "KeyedEchoWorkflow",
        id = "keyed-echo-{request.key}"
    )]
    async fn keyed_echo(request: KeyedRequest) -> Echo;

    /// [`Probe::sleep`], terminated when the caller is cancelled.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "SleepWorkflow",
        on_cancel = "terminate"
    )]
    async fn sleep_terminate(secs: u64) -> String;

    /// [`Probe::sleep`], left running when the caller is cancelled.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "SleepWorkflow",
        on_cancel = "abandon"
    )]
    async fn sleep_abandon(secs: u64) -> String;

    /// Starts a mailbox that collects notes until it gets `done`.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "MailboxWorkflow")]
    async fn mailbox(label: String) -> Vec<String>;

    /// A mailbox under a business key.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "MailboxWorkflow",
        id = "mailbox-{key}"
    )]
    async fn keyed_mailbox(key: String) -> Vec<String>;

    /// Adds a note to the keyed mailbox, starting it if needed (signal-with-start).
    #[remote_signal(cluster = "b", name = "add_note", with_start = "keyed_mailbox")]
    async fn note_or_start(note: String);

    /// Adds a note to the keyed mailbox, starting it if needed, and returns the count
    /// (update-with-start).
    #[remote_update(cluster = "b", name = "append", with_start = "keyed_mailbox")]
    async fn append_or_start(note: String) -> u32;

    /// Adds a note to a mailbox.
    #[remote_signal(cluster = "b")]
    async fn add_note(note: String);

    /// The notes a mailbox holds.
    #[remote_query(cluster = "b", name = "notes")]
    async fn read_notes() -> Vec<String>;

    /// Adds a note and returns how many the mailbox holds.
    #[remote_update(cluster = "b")]
    async fn append(note: String) -> u32;

    /// Fails (retryably) on its first attempt: succeeds only if B retries the workflow.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "FlakyWorkflow",
        workflow_retry(max_attempts = 3, initial_interval = "100ms", backoff = 1.5)
    )]
    async fn flaky(n: u32) -> String;

    /// [`Probe::fail`] under a business key whose failed execution a later call may replace.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "FailWorkflow",
        id = "restock-{item}",
        id_reuse_policy = "allow_duplicate_failed_only",
        bridge_retry(initial_interval = "200ms", max_interval = "2s", non_retryable = ["NeverRetry"])
    )]
    async fn fail_keyed(item: String) -> String;

    /// [`Probe::sleep`] with a 2 s execution timeout on B and a 2 s heartbeat timeout.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "SleepWorkflow",
        execution_timeout = "2s",
        heartbeat_timeout = "2s"
    )]
    async fn bounded_sleep(secs: u64) -> String;

    /// Fails with a non-retryable `OutOfStock` application failure.
    #[remote_workflow(cluster = "b", queue = "probe-b", workflow = "FailWorkflow")]
    async fn fail(item: String) -> String;

    /// Waits until the test opens its gate (the signal `open`), then returns `opened {label}`:
    /// the remote workflow of the fault tests, which closes when the test says so, not on a
    /// timer that a slow machine could outrun. Its calls are never handed over to a long wait
    /// unless the caller says so ([`LongGateCallerWorkflow`]), so that a fault lands in the
    /// phase a test names however long the machine takes to get there.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "GateWorkflow",
        long_wait_after = "1h"
    )]
    async fn gate(label: String) -> String;

    /// `NoopWorkflow` on a queue no worker polls: the stuck-call tests' missing worker. The call
    /// fails once stuck for a second.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-nobody",
        workflow = "NoopWorkflow",
        on_stuck = "fail",
        stuck_after = "1s",
        long_wait_after = "1h"
    )]
    async fn unserved(n: u32) -> u32;

    /// `NoopWorkflow` on a queue whose worker a test starts late; the call waits while stuck
    /// (the default `on_stuck`), reporting it in its first activity's heartbeats.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-late",
        workflow = "NoopWorkflow",
        long_wait_after = "1h"
    )]
    async fn served_late(n: u32) -> u32;

    /// Declares `GateWorkflow`'s input as a number, as a trait that drifted from its callee
    /// would: B's worker cannot decode it, so every workflow task fails. The call fails once
    /// stuck for a second.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "GateWorkflow",
        on_stuck = "fail",
        stuck_after = "1s",
        long_wait_after = "1h"
    )]
    async fn drifted_gate(label: u32) -> String;

    /// `SleepWorkflow` under an id the caller chooses, if it starts with `named-`.
    #[remote_workflow(
        cluster = "b",
        queue = "probe-b",
        workflow = "SleepWorkflow",
        id_prefix = "named-"
    )]
    async fn sleep_named(secs: u64) -> String;

    /// `MailboxWorkflow`'s notes, on a bridged mailbox or one whose id starts with `public-`.
    #[remote_query(cluster = "b", name = "notes", target_prefix = "public-")]
    async fn peek_notes() -> Vec<String>;
}

/// The queue of [`Probe::served_late`], which no worker polls until a test starts one.
pub const PROBE_LATE_QUEUE: &str = "probe-late";

/// Tries every way through the bridge to the workflow `target` on B, and reports each outcome
/// (the value, or the error's `Debug`), in order: attach (`sleep_named`, which opens ids that
/// start with `named-`), an undeclared explicit id (`sleep`), a signal, a query, an update, a handle's wait
/// and cancel (a handle record forged for `target`), and the `public-` query.
#[workflow]
#[derive(Default)]
pub struct GatewayCallerWorkflow;

#[workflow_methods]
impl GatewayCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        target: String,
    ) -> WorkflowResult<Vec<String>> {
        fn seen<T: std::fmt::Debug>(r: Result<T, BridgeError>) -> String {
            match r {
                Ok(v) => format!("ok: {v:?}"),
                Err(e) => format!("{e:?}"),
            }
        }
        let explicit = |id: &str| bridge_runtime::CallOptions::new().remote_workflow_id(id);
        let mut out = vec![
            seen(ProbeCaller::sleep_named_with_options(ctx, explicit(&target), 0).await),
            seen(ProbeCaller::sleep_with_options(ctx, explicit(&target), 0).await),
            seen(ProbeCaller::add_note(ctx, target.as_str(), "intruder".into()).await),
            seen(ProbeCaller::read_notes(ctx, target.as_str()).await),
            seen(ProbeCaller::append(ctx, target.as_str(), "intruder".into()).await),
        ];
        let forged: RemoteWorkflowHandle<Vec<String>> = serde_json::from_value(serde_json::json!({
            "method": "Probe.mailbox",
            "activity_type": "bridge.Probe.mailbox",
            "bridge_queue": bridge_runtime::DEFAULT_BRIDGE_QUEUE,
            "cluster": "b",
            "workflow_type": "MailboxWorkflow",
            "workflow_id": target,
            "run_id": null,
            "timeouts": bridge_runtime::CallTimeouts::DEFAULT,
            "on_cancel": "cancel",
        }))
        .expect("a handle record");
        out.push(seen(forged.result(ctx).await));
        out.push(seen(forged.cancel(ctx).await));
        out.push(seen(ProbeCaller::peek_notes(ctx, target.as_str()).await));
        Ok(out)
    }
}

/// Starts [`Probe::countdown`] with a handle, waits for the signal `go`, then waits through the
/// handle: the test sends `go` once the remote workflow has continued as new to its end.
#[workflow]
#[derive(Default)]
pub struct LateHandleCallerWorkflow {
    go: bool,
}

#[workflow_methods]
impl LateHandleCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<Vec<String>> {
        let handle = ProbeCaller::start_countdown(ctx, n).await?;
        ctx.wait_condition(|s| s.go)
            .await
            .map_err(|_| temporalio_workflow::WorkflowTermination::cancelled())?;
        let result = handle.result(ctx).await?;
        Ok(vec![handle.workflow_id().to_owned(), result])
    }

    /// Lets the run wait through its handle.
    #[signal]
    pub fn go(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.go = true;
    }
}

/// Calls one of the stuck-call methods: `"unserved"`, `"late"` or `"drifted"`. Reports the
/// result, or the error's `Debug`.
#[workflow]
#[derive(Default)]
pub struct StuckCallerWorkflow;

#[workflow_methods]
impl StuckCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, kind: String) -> WorkflowResult<String> {
        let outcome = match kind.as_str() {
            "unserved" => ProbeCaller::unserved(ctx, 7).await.map(|n| n.to_string()),
            "late" => ProbeCaller::served_late(ctx, 8)
                .await
                .map(|n| n.to_string()),
            _ => ProbeCaller::drifted_gate(ctx, 9).await,
        };
        Ok(match outcome {
            Ok(v) => format!("ok: {v}"),
            Err(e) => format!("{e:?}"),
        })
    }
}

// ---------------------------------------------------------------- cluster B

/// Echoes.
#[workflow]
#[derive(Default)]
pub struct EchoWorkflow;

#[workflow_methods]
impl EchoWorkflow {
    /// Echo.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, tag: String) -> WorkflowResult<Echo> {
        Ok(Echo {
            tag,
            remote_workflow_id: ctx.workflow_id().to_owned(),
        })
    }
}

/// Sleeps on a timer.
#[workflow]
#[derive(Default)]
pub struct SleepWorkflow;

#[workflow_methods]
impl SleepWorkflow {
    /// Sleep.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, secs: u64) -> WorkflowResult<String> {
        match ctx.timer(Duration::from_secs(secs)).await {
            temporalio_workflow::TimerResult::Fired => Ok(format!("slept {secs}")),
            // A cancel request cancels the timer; end as cancelled, as a real workflow would.
            temporalio_workflow::TimerResult::Cancelled => {
                Err(temporalio_workflow::WorkflowTermination::cancelled())
            }
        }
    }
}

/// Waits for the signal `open`, then returns `opened {label}`.
#[workflow]
#[derive(Default)]
pub struct GateWorkflow {
    open: bool,
}

#[workflow_methods]
impl GateWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, label: String) -> WorkflowResult<String> {
        ctx.wait_condition(|s| s.open)
            .await
            .map_err(|_| temporalio_workflow::WorkflowTermination::cancelled())?;
        Ok(format!("opened {label}"))
    }

    /// Opens the gate.
    #[signal]
    pub fn open(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.open = true;
    }
}

/// Collects notes from signals and updates until it gets `done`, then returns them.
#[workflow]
#[derive(Default)]
pub struct MailboxWorkflow {
    notes: Vec<String>,
}

#[workflow_methods]
impl MailboxWorkflow {
    /// Run.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        _label: String,
    ) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(|s| s.notes.iter().any(|n| n == "done"))
            .await
            .map_err(|_| temporalio_workflow::WorkflowTermination::cancelled())?;
        Ok(ctx.state(|s| s.notes.clone()))
    }

    /// Adds a note.
    #[signal]
    pub fn add_note(&mut self, _ctx: &mut SyncWorkflowContext<Self>, note: String) {
        self.notes.push(note);
    }

    /// The notes so far.
    #[query]
    pub fn notes(&self, _ctx: &WorkflowContextView) -> Vec<String> {
        self.notes.clone()
    }

    /// Adds a note, returns the count.
    #[update]
    pub fn append(&mut self, _ctx: &mut SyncWorkflowContext<Self>, note: String) -> u32 {
        self.notes.push(note);
        self.notes.len() as u32
    }
}

/// Continues as new until its counter reaches zero.
#[workflow]
#[derive(Default)]
pub struct CountdownWorkflow;

#[workflow_methods]
impl CountdownWorkflow {
    /// Countdown.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<String> {
        if n > 0 {
            ctx.timer(Duration::from_millis(200)).await;
            ctx.continue_as_new(n - 1, ContinueAsNewOptions::default())?;
        }
        Ok(format!("reached zero in run {}", ctx.run_id()))
    }
}

/// Returns its input.
#[workflow]
#[derive(Default)]
pub struct NoopWorkflow;

#[workflow_methods]
impl NoopWorkflow {
    /// No-op.
    #[run]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        Ok(n)
    }
}

/// Always fails.
#[workflow]
#[derive(Default)]
pub struct FailWorkflow;

#[workflow_methods]
impl FailWorkflow {
    /// Fail.
    #[run]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        Err(ApplicationFailure::builder(format!("no {item} left"))
            .type_name("OutOfStock".to_owned())
            .non_retryable(true)
            .build()
            .into())
    }
}

/// Fails with a retryable failure on its first attempt, then returns `ok on attempt {n}`.
#[workflow]
#[derive(Default)]
pub struct FlakyWorkflow;

#[workflow_methods]
impl FlakyWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, _n: u32) -> WorkflowResult<String> {
        let attempt = ctx.info().attempt();
        if attempt == 1 {
            return Err(
                ApplicationFailure::builder("first attempt fails".to_owned())
                    .type_name("Flaky".to_owned())
                    .build()
                    .into(),
            );
        }
        Ok(format!("ok on attempt {attempt}"))
    }
}

/// Calls [`Probe::sleep_named`] for 30 s with per-call overrides: the remote id
/// `named-overridden`, a 2 s
/// remote execution timeout and a 3 s heartbeat timeout; reports the error as `Debug`.
#[workflow]
#[derive(Default)]
pub struct OverrideCallerWorkflow;

#[workflow_methods]
impl OverrideCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, _n: u32) -> WorkflowResult<String> {
        let options = bridge_runtime::CallOptions::new()
            .remote_workflow_id("named-overridden")
            .execution_timeout(Duration::from_secs(2))
            .heartbeat_timeout(Duration::from_secs(3));
        Ok(
            match ProbeCaller::sleep_named_with_options(ctx, options, 30).await {
                Ok(v) => format!("unexpected success: {v}"),
                Err(e) => format!("{e:?}"),
            },
        )
    }
}

/// Calls [`Probe::flaky`].
#[workflow]
#[derive(Default)]
pub struct FlakyCallerWorkflow;

#[workflow_methods]
impl FlakyCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<String> {
        Ok(ProbeCaller::flaky(ctx, n).await?)
    }
}

/// Calls [`Probe::fail_keyed`]; reports the error as `Debug`.
#[workflow]
#[derive(Default)]
pub struct FailKeyedCallerWorkflow;

#[workflow_methods]
impl FailKeyedCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        Ok(match ProbeCaller::fail_keyed(ctx, item).await {
            Ok(v) => format!("unexpected success: {v}"),
            Err(e) => format!("{e:?}"),
        })
    }
}

// ---------------------------------------------------------------- cluster A

/// Echoes a keyed request's tag.
#[workflow]
#[derive(Default)]
pub struct KeyedEchoWorkflow;

#[workflow_methods]
impl KeyedEchoWorkflow {
    /// Echo.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: KeyedRequest,
    ) -> WorkflowResult<Echo> {
        Ok(Echo {
            tag: request.tag,
            remote_workflow_id: ctx.workflow_id().to_owned(),
        })
    }
}

/// Calls `keyed_echo` once.
#[workflow]
#[derive(Default)]
pub struct KeyedEchoCallerWorkflow;

#[workflow_methods]
impl KeyedEchoCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: KeyedRequest,
    ) -> WorkflowResult<Echo> {
        Ok(ProbeCaller::keyed_echo(ctx, request).await?)
    }
}

/// Calls `echo` once per tag, in order, and returns what came back.
#[workflow]
#[derive(Default)]
pub struct EchoCallerWorkflow;

#[workflow_methods]
impl EchoCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        tags: Vec<String>,
    ) -> WorkflowResult<Vec<Echo>> {
        let mut out = Vec::new();
        for tag in tags {
            out.push(ProbeCaller::echo(ctx, tag).await?);
        }
        Ok(out)
    }
}

/// Calls `gate` once.
#[workflow]
#[derive(Default)]
pub struct GateCallerWorkflow;

#[workflow_methods]
impl GateCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, label: String) -> WorkflowResult<String> {
        Ok(ProbeCaller::gate(ctx, label).await?)
    }
}

/// A [`Probe::gate`] call and when it is handed over to a long wait.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LongGate {
    /// The gate's label.
    pub label: String,
    /// `long_wait_after`, in milliseconds.
    pub after_ms: u64,
    /// `long_wait_heartbeat_timeout`, in milliseconds; `None` keeps the method's.
    pub heartbeat_ms: Option<u64>,
}

/// Calls `gate` once, handed over to a long wait as its input says.
#[workflow]
#[derive(Default)]
pub struct LongGateCallerWorkflow;

#[workflow_methods]
impl LongGateCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, call: LongGate) -> WorkflowResult<String> {
        let mut options = CallOptions::new().long_wait_after(Duration::from_millis(call.after_ms));
        if let Some(ms) = call.heartbeat_ms {
            options = options.long_wait_heartbeat_timeout(Duration::from_millis(ms));
        }
        Ok(ProbeCaller::gate_with_options(ctx, options, call.label).await?)
    }
}

/// Calls `sleep` once.
#[workflow]
#[derive(Default)]
pub struct SleepCallerWorkflow;

#[workflow_methods]
impl SleepCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, secs: u64) -> WorkflowResult<String> {
        Ok(ProbeCaller::sleep(ctx, secs).await?)
    }
}

/// Calls the remote no-op through the bridge.
#[workflow]
#[derive(Default)]
pub struct BridgedNoopCallerWorkflow;

#[workflow_methods]
impl BridgedNoopCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        Ok(ProbeCaller::noop(ctx, n).await?)
    }
}

/// Task queue of the no-op activity on A, the baseline of the bench.
pub const A_ACTIVITY_QUEUE: &str = "probe-a-activity";

/// The baseline: the same call shape, but a no-op activity on another task queue of A.
#[workflow]
#[derive(Default)]
pub struct LocalNoopCallerWorkflow;

#[workflow_methods]
impl LocalNoopCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        Ok(ctx
            .execute_activity(
                NoopActivities::noop,
                n,
                ActivityOptions::with_start_to_close_timeout(Duration::from_secs(60))
                    .task_queue(A_ACTIVITY_QUEUE.to_owned())
                    .build(),
            )
            .await?)
    }
}

/// The baseline's activity.
pub struct NoopActivities;

#[activities]
impl NoopActivities {
    /// Returns its input.
    #[activity]
    pub async fn noop(_ctx: ActivityContext, n: u32) -> Result<u32, ActivityError> {
        Ok(n)
    }
}

/// Task queue of the naive polling bridge on A (bench reference only).
pub const NAIVE_QUEUE: &str = "probe-a-naive";

/// A call through the naive bridge.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct NaiveCall {
    /// The no-op's argument.
    pub n: u32,
    /// How often the naive bridge polls DescribeWorkflowExecution.
    pub poll_ms: u64,
}

/// The design the long-poll replaces: start the remote workflow, then sleep-poll
/// DescribeWorkflowExecution until it has closed. Exists only as the bench's reference.
pub struct NaiveBridge {
    /// Client of cluster B.
    pub b: Client,
}

#[activities]
impl NaiveBridge {
    /// Start, poll, fetch.
    #[activity]
    pub async fn call(
        self: std::sync::Arc<Self>,
        ctx: ActivityContext,
        call: NaiveCall,
    ) -> Result<u32, ActivityError> {
        use temporalio_client::WorkflowStartOptions;
        use temporalio_common::protos::temporal::api::enums::v1::WorkflowExecutionStatus;
        let info = ctx.info();
        let id = format!(
            "naive/{}/{}/{}",
            info.workflow_id.as_deref().unwrap_or_default(),
            info.workflow_run_id.as_deref().unwrap_or_default(),
            info.activity_id
        );
        let handle = self
            .b
            .start_workflow(
                NoopWorkflow::run,
                call.n,
                WorkflowStartOptions::new(B_QUEUE, id).build(),
            )
            .await
            .map_err(ActivityError::from)?;
        loop {
            tokio::time::sleep(Duration::from_millis(call.poll_ms)).await;
            let d = handle
                .describe(Default::default())
                .await
                .map_err(ActivityError::from)?;
            let status = d
                .raw_description
                .workflow_execution_info
                .map(|i| i.status)
                .unwrap_or_default();
            if status != WorkflowExecutionStatus::Running as i32 {
                break;
            }
        }
        handle
            .get_result(Default::default())
            .await
            .map_err(ActivityError::from)
    }
}

/// Schedules a bridge activity by hand, as a caller in another SDK might, with a forged input:
/// `"text-header"` sends a header that is not JSON, `"wrong-shape"` an argument missing a field,
/// `"wrong-count"` two arguments for a method of one, `"routing-header"` a header naming a
/// workflow type and queue, `"undeclared"` an activity type no trait declares.
/// Reports the failure's type and message, or the result.
#[workflow]
#[derive(Default)]
pub struct ForgedCallerWorkflow;

#[workflow_methods]
impl ForgedCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, kind: String) -> WorkflowResult<String> {
        let payload = |encoding: &str, data: &[u8]| Payload {
            metadata: [("encoding".to_owned(), encoding.as_bytes().to_vec())].into(),
            data: data.to_vec(),
            ..Default::default()
        };
        let (activity, input) = match kind.as_str() {
            "text-header" => (
                "bridge.Probe.echo",
                vec![
                    payload("binary/plain", b"hello"),
                    payload("json/plain", b"\"t\""),
                ],
            ),
            // `keyed_echo` takes a KeyedRequest, which has a `tag`.
            "wrong-shape" => (
                "bridge.Probe.keyed_echo",
                vec![
                    payload("json/plain", b"{}"),
                    payload("json/plain", br#"{"key": "k1"}"#),
                ],
            ),
            // `sleep` takes one number.
            "wrong-count" => (
                "bridge.Probe.sleep",
                vec![
                    payload("json/plain", b"{}"),
                    payload("json/plain", b"1"),
                    payload("json/plain", b"2"),
                ],
            ),
            // A header that tries to choose the workflow type and queue on B.
            "routing-header" => (
                "bridge.Probe.echo",
                vec![
                    payload(
                        "json/plain",
                        br#"{"workflow_type": "FailWorkflow", "task_queue": "elsewhere"}"#,
                    ),
                    payload("json/plain", b"\"t\""),
                ],
            ),
            _ => (
                "bridge.Probe.not_declared",
                vec![payload("json/plain", b"{}")],
            ),
        };
        let outcome = ctx
            .execute_activity(
                UntypedActivity::new(activity),
                RawValue::new(input),
                ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
                    .task_queue(bridge_runtime::DEFAULT_BRIDGE_QUEUE.to_owned())
                    .retry_policy(
                        temporalio_common::RetryPolicy::builder()
                            .maximum_attempts(2)
                            .initial_interval(Duration::from_millis(100))
                            .build(),
                    )
                    .build(),
            )
            .await;
        Ok(match outcome {
            Ok(raw) => format!("unexpected success: {} payloads", raw.payloads.len()),
            Err(e) => match e.cause().map(|c| c.failure().clone()) {
                Some(f) => {
                    let kind = match &f.failure_info {
                        Some(FailureInfo::ApplicationFailureInfo(a)) => a.r#type.clone(),
                        _ => String::new(),
                    };
                    format!("{kind}: {}", f.message)
                }
                None => format!("{e}"),
            },
        })
    }
}

/// Calls the naive bridge.
#[workflow]
#[derive(Default)]
pub struct NaiveCallerWorkflow;

#[workflow_methods]
impl NaiveCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, call: NaiveCall) -> WorkflowResult<u32> {
        Ok(ctx
            .execute_activity(
                NaiveBridge::call,
                call,
                ActivityOptions::with_start_to_close_timeout(Duration::from_secs(120))
                    .task_queue(NAIVE_QUEUE.to_owned())
                    .build(),
            )
            .await?)
    }
}

/// Calls `countdown` once.
#[workflow]
#[derive(Default)]
pub struct CountdownCallerWorkflow;

#[workflow_methods]
impl CountdownCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<String> {
        Ok(ProbeCaller::countdown(ctx, n).await?)
    }
}

/// Calls `fail` and returns the typed error it got, as the Debug text of a
/// [`BridgeError`] so that the test can inspect every field.
#[workflow]
#[derive(Default)]
pub struct FailCallerWorkflow;

#[workflow_methods]
impl FailCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        match ProbeCaller::fail(ctx, item).await {
            Ok(v) => Ok(format!("unexpected success: {v}")),
            Err(e @ BridgeError::RemoteFailed { .. }) => Ok(format!("{e:?}")),
            Err(other) => Ok(format!("wrong variant: {other:?}")),
        }
    }
}

/// Sleeps 300 s on B through `sleep` (`mode` "cancel"), `sleep_terminate` or `sleep_abandon`,
/// and reports the error it gets, as `Debug`: the cancellation tests cancel it.
#[workflow]
#[derive(Default)]
pub struct CancellableSleepCallerWorkflow;

#[workflow_methods]
impl CancellableSleepCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, mode: String) -> WorkflowResult<String> {
        // `long-{mode}`: the call is handed over to a long wait at once, whose heartbeat (10
        // min) is far too slow to carry a cancellation; otherwise it stays in its first
        // activity.
        let (options, mode) = match mode.strip_prefix("long-") {
            Some(mode) => (
                CallOptions::new()
                    .long_wait_after(Duration::from_millis(1))
                    .long_wait_heartbeat_timeout(Duration::from_secs(600)),
                mode,
            ),
            None => (
                CallOptions::new().long_wait_after(Duration::from_secs(3600)),
                mode.as_str(),
            ),
        };
        let outcome = match mode {
            "terminate" => ProbeCaller::sleep_terminate_with_options(ctx, options, 300).await,
            "abandon" => ProbeCaller::sleep_abandon_with_options(ctx, options, 300).await,
            _ => ProbeCaller::sleep_with_options(ctx, options, 300).await,
        };
        Ok(match outcome {
            Ok(v) => format!("unexpected success: {v}"),
            Err(e) => format!("{e:?}"),
        })
    }
}

/// Drives a mailbox on B through a handle: a signal, an update, a query, then `done`. Returns
/// the update's count, the query's notes and the mailbox's result, joined by commas.
#[workflow]
#[derive(Default)]
pub struct MailboxCallerWorkflow;

#[workflow_methods]
impl MailboxCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, _n: u32) -> WorkflowResult<Vec<String>> {
        let mailbox = ProbeCaller::start_mailbox(ctx, "inbox".to_owned()).await?;
        ProbeCaller::add_note(ctx, &mailbox, "first".to_owned()).await?;
        let count = ProbeCaller::append(ctx, &mailbox, "second".to_owned()).await?;
        let notes = ProbeCaller::read_notes(ctx, &mailbox).await?;
        // By id works as well as by handle.
        ProbeCaller::add_note(ctx, mailbox.workflow_id(), "done".to_owned()).await?;
        let last = mailbox.result(ctx).await?;
        Ok(vec![count.to_string(), notes.join(","), last.join(",")])
    }
}

/// Starts a 300 s [`Probe::sleep`], cancels it through the handle, and reports what the
/// handle's result says, as `Debug`.
#[workflow]
#[derive(Default)]
pub struct HandleCancelCallerWorkflow;

#[workflow_methods]
impl HandleCancelCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, _n: u32) -> WorkflowResult<String> {
        let handle = ProbeCaller::start_sleep(ctx, 300).await?;
        handle.cancel(ctx).await?;
        Ok(match handle.result(ctx).await {
            Ok(v) => format!("unexpected success: {v}"),
            Err(e) => format!("{e:?}"),
        })
    }
}

/// Signal-with-start, then update-with-start, on the mailbox keyed `key`; then `done`. Returns
/// both handles' ids, the update's count and the mailbox's result.
#[workflow]
#[derive(Default)]
pub struct MailboxWithStartCallerWorkflow;

#[workflow_methods]
impl MailboxWithStartCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, key: String) -> WorkflowResult<Vec<String>> {
        let first = ProbeCaller::note_or_start_with_start(ctx, key.clone(), "first".into()).await?;
        let (second, count) =
            ProbeCaller::append_or_start_with_start(ctx, key, "second".into()).await?;
        ProbeCaller::note_or_start(ctx, &first, "done".to_owned()).await?;
        let notes = second.result(ctx).await?;
        Ok(vec![
            first.workflow_id().to_owned(),
            second.workflow_id().to_owned(),
            count.to_string(),
            notes.join(","),
        ])
    }
}

/// Starts the keyed mailbox `key` by update-with-start, adding one note; returns its id.
#[workflow]
#[derive(Default)]
pub struct AppendOrStartCallerWorkflow;

#[workflow_methods]
impl AppendOrStartCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, key: String) -> WorkflowResult<String> {
        let (mailbox, _count) =
            ProbeCaller::append_or_start_with_start(ctx, key, "first".into()).await?;
        Ok(mailbox.workflow_id().to_owned())
    }
}

/// Signals a workflow id that does not exist on B; reports the error as `Debug`.
#[workflow]
#[derive(Default)]
pub struct SignalNowhereCallerWorkflow;

#[workflow_methods]
impl SignalNowhereCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, id: String) -> WorkflowResult<String> {
        Ok(
            match ProbeCaller::add_note(ctx, id, "lost".to_owned()).await {
                Ok(()) => "unexpected success".to_owned(),
                Err(e) => format!("{e:?}"),
            },
        )
    }
}

/// Starts [`Probe::sleep`] with a handle, then waits through the handle: returns the remote
/// workflow id and the result.
#[workflow]
#[derive(Default)]
pub struct StartThenWaitCallerWorkflow;

#[workflow_methods]
impl StartThenWaitCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, secs: u64) -> WorkflowResult<Vec<String>> {
        let handle = ProbeCaller::start_sleep(ctx, secs).await?;
        // A handle is plain data: it survives a trip through serde, as in workflow state.
        let kept = serde_json::to_string(&handle).expect("handle to JSON");
        let handle: RemoteWorkflowHandle<String> =
            serde_json::from_str(&kept).expect("handle from JSON");
        let result = handle.result(ctx).await?;
        Ok(vec![handle.workflow_id().to_owned(), result])
    }
}

/// Starts [`Probe::sleep`] detached: returns the remote workflow id as soon as B has started it.
#[workflow]
#[derive(Default)]
pub struct DetachedStartCallerWorkflow;

#[workflow_methods]
impl DetachedStartCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, secs: u64) -> WorkflowResult<String> {
        let handle = ProbeCaller::start_sleep(ctx, secs).await?;
        Ok(handle.workflow_id().to_owned())
    }
}

/// Calls [`Probe::bounded_sleep`] and reports the error it gets, as `Debug`.
#[workflow]
#[derive(Default)]
pub struct BoundedSleepCallerWorkflow;

#[workflow_methods]
impl BoundedSleepCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, secs: u64) -> WorkflowResult<String> {
        Ok(match ProbeCaller::bounded_sleep(ctx, secs).await {
            Ok(v) => format!("unexpected success: {v}"),
            Err(e) => format!("{e:?}"),
        })
    }
}

// ---------------------------------------------------------------- harness

/// Two real clusters with the probe workers running; no bridge yet.
pub struct Harness {
    /// The clusters (stopped on drop).
    pub clusters: LocalClusters,
    /// Client of A.
    pub a: Client,
    /// Client of B.
    pub b: Client,
    _workers: Vec<WorkerThread>,
}

/// Workflow pollers of the probe workers on A and B, half of them on the non-sticky queue.
///
/// With the SDK's default (five pollers, one of them non-sticky) a burst of new workflows is
/// taken one poll round trip at a time: about 50 first workflow tasks a second here, which made
/// 1,000 concurrent 20 s workflows on B alone take 41 s. The bench's capacity case measures the
/// bridge, not that.
pub const WORKFLOW_POLLERS: temporalio_sdk::runtime::PollerBehavior =
    temporalio_sdk::runtime::PollerBehavior::SimpleMaximum(20);

/// Cluster B's worker of the probe workflows: every method of [`Probe`] on queue `probe-b`
/// registered through `ProbeCallee`, so that the suite's callee is checked against the trait
/// like a user's would be. `drifted_gate` is the exception: it drifted on purpose.
pub fn probe_b_worker_options() -> Result<temporalio_sdk::WorkerOptions, bridge_runtime::CalleeError>
{
    let mut o = temporalio_sdk::WorkerOptions::new(B_QUEUE)
        .workflow_task_poller_behavior(WORKFLOW_POLLERS)
        .nonsticky_to_sticky_poll_ratio(0.5)
        .build();
    ProbeCallee::echo::<EchoWorkflow>(&mut o)?;
    ProbeCallee::keyed_echo::<KeyedEchoWorkflow>(&mut o)?;
    ProbeCallee::mailbox::<MailboxWorkflow>(&mut o)?;
    ProbeCallee::keyed_mailbox::<MailboxWorkflow>(&mut o)?;
    ProbeCallee::add_note(&o, MailboxWorkflow::add_note)?;
    ProbeCallee::note_or_start(&o, MailboxWorkflow::add_note)?;
    ProbeCallee::read_notes(&o, MailboxWorkflow::notes)?;
    ProbeCallee::append(&o, MailboxWorkflow::append)?;
    ProbeCallee::append_or_start(&o, MailboxWorkflow::append)?;
    ProbeCallee::flaky::<FlakyWorkflow>(&mut o)?;
    ProbeCallee::sleep::<SleepWorkflow>(&mut o)?;
    ProbeCallee::sleep_terminate::<SleepWorkflow>(&mut o)?;
    ProbeCallee::sleep_abandon::<SleepWorkflow>(&mut o)?;
    ProbeCallee::bounded_sleep::<SleepWorkflow>(&mut o)?;
    ProbeCallee::gate::<GateWorkflow>(&mut o)?;
    ProbeCallee::fail::<FailWorkflow>(&mut o)?;
    ProbeCallee::fail_keyed::<FailWorkflow>(&mut o)?;
    ProbeCallee::countdown::<CountdownWorkflow>(&mut o)?;
    ProbeCallee::noop::<NoopWorkflow>(&mut o)?;
    ProbeCallee::sleep_named::<SleepWorkflow>(&mut o)?;
    ProbeCallee::peek_notes(&o, MailboxWorkflow::notes)?;
    Ok(o)
}

impl Harness {
    /// Starts clusters `a` and `b` and their workers.
    pub async fn start() -> Harness {
        Self::start_with_args(&[]).await
    }

    /// Like [`Harness::start`], with extra `temporal server start-dev` arguments.
    pub async fn start_with_args(extra_args: &[&str]) -> Harness {
        init_logging();
        let clusters = LocalClusters::start_with_args(&["a", "b"], extra_args)
            .await
            .expect("start clusters");
        let pool = clusters.pool();
        let a = pool.client("a").await.expect("client a");
        let b = pool.client("b").await.expect("client b");
        let a_worker = temporalio_sdk::WorkerOptions::new(A_QUEUE)
            .workflow_task_poller_behavior(WORKFLOW_POLLERS)
            .nonsticky_to_sticky_poll_ratio(0.5)
            .register_workflow::<EchoCallerWorkflow>()
            .unwrap()
            .register_workflow::<KeyedEchoCallerWorkflow>()
            .unwrap()
            .register_workflow::<SleepCallerWorkflow>()
            .unwrap()
            .register_workflow::<GateCallerWorkflow>()
            .unwrap()
            .register_workflow::<LongGateCallerWorkflow>()
            .unwrap()
            .register_workflow::<FailCallerWorkflow>()
            .unwrap()
            .register_workflow::<BoundedSleepCallerWorkflow>()
            .unwrap()
            .register_workflow::<CancellableSleepCallerWorkflow>()
            .unwrap()
            .register_workflow::<StartThenWaitCallerWorkflow>()
            .unwrap()
            .register_workflow::<MailboxCallerWorkflow>()
            .unwrap()
            .register_workflow::<SignalNowhereCallerWorkflow>()
            .unwrap()
            .register_workflow::<HandleCancelCallerWorkflow>()
            .unwrap()
            .register_workflow::<FlakyCallerWorkflow>()
            .unwrap()
            .register_workflow::<OverrideCallerWorkflow>()
            .unwrap()
            .register_workflow::<MailboxWithStartCallerWorkflow>()
            .unwrap()
            .register_workflow::<ForgedCallerWorkflow>()
            .unwrap()
            .register_workflow::<FailKeyedCallerWorkflow>()
            .unwrap()
            .register_workflow::<DetachedStartCallerWorkflow>()
            .unwrap()
            .register_workflow::<CountdownCallerWorkflow>()
            .unwrap()
            .register_workflow::<BridgedNoopCallerWorkflow>()
            .unwrap()
            .register_workflow::<LocalNoopCallerWorkflow>()
            .unwrap()
            .register_workflow::<NaiveCallerWorkflow>()
            .unwrap()
            .register_workflow::<StuckCallerWorkflow>()
            .unwrap()
            .register_workflow::<GatewayCallerWorkflow>()
            .unwrap()
            .register_workflow::<LateHandleCallerWorkflow>()
            .unwrap()
            .build();
        let b_worker = probe_b_worker_options().expect("probe-b serves Probe as declared");
        let a_activities = temporalio_sdk::WorkerOptions::new(A_ACTIVITY_QUEUE)
            .register_activities(NoopActivities)
            .build();
        let naive = temporalio_sdk::WorkerOptions::new(NAIVE_QUEUE)
            .register_activities(NaiveBridge { b: b.clone() })
            .build();
        let workers = vec![
            WorkerThread::sdk("probe-a", a.clone(), a_worker),
            WorkerThread::sdk("probe-b", b.clone(), b_worker),
            WorkerThread::sdk("probe-a-activity", a.clone(), a_activities),
            WorkerThread::sdk("probe-a-naive", a.clone(), naive),
        ];
        Harness {
            clusters,
            a,
            b,
            _workers: workers,
        }
    }

    /// A bridge on a thread of this process, polling `a`, for tests that do not kill it.
    pub fn in_process_bridge(&self) -> WorkerThread {
        WorkerThread::bridge(
            "bridge",
            bridge_runtime::BridgeWorker::new(self.clusters.pool(), "a").register(ProbeBridge),
        )
    }

    /// A bridge on a thread of this process, polling `a`, with `configure` applied to its
    /// worker, serving its metrics on a free port: the bridge, and that address once it answers.
    pub async fn in_process_bridge_with_metrics(
        &self,
        configure: impl FnOnce(bridge_runtime::BridgeWorker) -> bridge_runtime::BridgeWorker,
    ) -> (WorkerThread, String) {
        let address = http::free_address();
        let worker = bridge_runtime::BridgeWorker::new(self.clusters.pool(), "a")
            .register(ProbeBridge)
            .metrics_address(address.parse().expect("a socket address"));
        let bridge = WorkerThread::bridge("bridge", configure(worker));
        http::wait_for(&address, "/metrics", 200).await;
        (bridge, address)
    }

    /// A bridge in its own OS process (the `test-bridge` binary at `exe`, which integration
    /// tests get from `env!("CARGO_BIN_EXE_test-bridge")`), so that it can be killed.
    pub fn spawn_bridge_process(&self, exe: &str) -> BridgeProcess {
        self.spawn_bridge_process_with(exe, &[])
    }

    /// Like [`Harness::spawn_bridge_process`], with extra environment variables (which win over
    /// the clusters' own, e.g. `TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS` to go through a proxy).
    pub fn spawn_bridge_process_with(&self, exe: &str, env: &[(&str, &str)]) -> BridgeProcess {
        let child = Command::new(exe)
            .envs(self.clusters.env_vars())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn test-bridge");
        BridgeProcess { child }
    }

    /// Like [`Harness::spawn_bridge_process_with`], writing the process's output (its logs) to
    /// `log` instead of the test's output.
    pub fn spawn_bridge_process_logged(
        &self,
        exe: &str,
        env: &[(&str, &str)],
        log: &std::path::Path,
    ) -> BridgeProcess {
        let out = std::fs::File::create(log).expect("create bridge log");
        let err = out.try_clone().expect("clone bridge log");
        let child = Command::new(exe)
            .envs(self.clusters.env_vars())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn test-bridge");
        BridgeProcess { child }
    }

    /// The pending activities of the latest run of `workflow_id` on A.
    pub async fn pending_activities_on_a(&self, workflow_id: &str) -> Vec<PendingActivityInfo> {
        describe(&self.a, workflow_id).await.pending_activities
    }

    /// Waits until the bridge activity of `workflow_id` on A has failed and been retried, and
    /// returns its last failure's message.
    pub async fn wait_retried(&self, workflow_id: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let pending = self.pending_activities_on_a(workflow_id).await;
            if let Some(failure) = pending
                .iter()
                .find(|p| p.attempt >= 2)
                .and_then(|p| p.last_failure.as_ref())
            {
                return failure.message.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the call of {workflow_id} was not retried within {timeout:?}: {pending:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits until every workflow in `workflow_ids` has a bridge activity that a bridge has
    /// picked up (state started).
    pub async fn wait_calls_picked_up(&self, workflow_ids: &[String], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        for id in workflow_ids {
            loop {
                let pending = self.pending_activities_on_a(id).await;
                if pending
                    .iter()
                    .any(|p| p.state() == PendingActivityState::Started)
                {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the call of {id} was not picked up within {timeout:?}: {pending:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// The remote id the bridge derives for the `n`-th (0-based) bridged call of a run on A.
    pub async fn remote_id_of_call(
        &self,
        workflow_id: &str,
        run_id: &str,
        n: usize,
        timeout: Duration,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let calls: Vec<_> = scheduled_activities(&self.a, workflow_id, run_id)
                .await
                .expect("history of A")
                .into_iter()
                // A wait or a cancel acts on a call's remote workflow; it is not a call.
                .filter(|s| {
                    let t = &s.activity_type;
                    t.starts_with("bridge.Probe.")
                        && !t.ends_with(bridge_runtime::wire::WAIT_SUFFIX)
                        && !t.ends_with(bridge_runtime::wire::CANCEL_SUFFIX)
                })
                .collect();
            if let Some(call) = calls.get(n) {
                // The full call, or the start part behind a handle.
                let method = call
                    .activity_type
                    .trim_start_matches("bridge.Probe.")
                    .trim_end_matches(bridge_runtime::wire::START_SUFFIX);
                let site = CallSite {
                    source_cluster: "a",
                    namespace: "default",
                    workflow_id,
                    run_id,
                    position: &call.activity_id,
                };
                let raw = match method {
                    "echo" => ProbeBridge::echo_remote_id(&site),
                    "sleep" => ProbeBridge::sleep_remote_id(&site),
                    "countdown" => ProbeBridge::countdown_remote_id(&site),
                    "noop" => ProbeBridge::noop_remote_id(&site),
                    "bounded_sleep" => ProbeBridge::bounded_sleep_remote_id(&site),
                    "sleep_terminate" => ProbeBridge::sleep_terminate_remote_id(&site),
                    "sleep_abandon" => ProbeBridge::sleep_abandon_remote_id(&site),
                    "gate" => ProbeBridge::gate_remote_id(&site),
                    _ => ProbeBridge::fail_remote_id(&site),
                };
                return finalize_id(&raw, DEFAULT_MAX_ID_LEN);
            }
            assert!(
                Instant::now() < deadline,
                "call {n} of {workflow_id} was not scheduled within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until a workflow with this id runs on B. Read with `DescribeWorkflowExecution`,
    /// which is strongly consistent (visibility is not: it lags, and a dev server rate-limits
    /// it).
    pub async fn wait_running_on_b(&self, remote_id: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.status_on_b(remote_id).await;
            if status == Some(WorkflowExecutionStatus::Running) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{remote_id} is not running on B after {timeout:?}: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status of the latest run of `remote_id` on B (strongly consistent), `None` when B
    /// has no workflow of that id.
    pub async fn status_on_b(&self, remote_id: &str) -> Option<WorkflowExecutionStatus> {
        try_describe(&self.b, remote_id)
            .await
            .as_ref()
            .map(status_of)
    }

    /// The bridge activity of the latest run of `workflow_id` on A: `(state, attempt)`, read
    /// from `DescribeWorkflowExecution`; `None` when none is pending.
    pub async fn call_state_on_a(&self, workflow_id: &str) -> Option<(PendingActivityState, i32)> {
        self.pending_activities_on_a(workflow_id)
            .await
            .iter()
            .find(|p| {
                p.activity_type
                    .as_ref()
                    .is_some_and(|t| t.name.starts_with("bridge."))
            })
            .map(|p| (p.state(), p.attempt))
    }

    /// Waits until the call of `workflow_id` on A is in its long wait: its `.wait` activity is
    /// held by a bridge on attempt `attempt` or later (A's describe); returns that activity.
    pub async fn wait_long_wait_held(
        &self,
        workflow_id: &str,
        attempt: i32,
        timeout: Duration,
    ) -> PendingActivityInfo {
        let deadline = Instant::now() + timeout;
        loop {
            let pending = self.pending_activities_on_a(workflow_id).await;
            let held = pending.into_iter().find(|p| {
                p.activity_type
                    .as_ref()
                    .is_some_and(|t| t.name.ends_with(bridge_runtime::wire::WAIT_SUFFIX))
                    && p.state() == PendingActivityState::Started
                    && p.attempt >= attempt
            });
            if let Some(held) = held {
                return held;
            }
            assert!(
                Instant::now() < deadline,
                "the call of {workflow_id} was not in a long wait on attempt {attempt} within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The identities (`pid@host`, the SDK's default) of the workers that polled A's bridge
    /// queue for activities lately, as A's `DescribeTaskQueue` lists them.
    pub async fn bridge_queue_pollers(&self) -> Vec<String> {
        use temporalio_client::{grpc::WorkflowService, tonic::IntoRequest};
        use temporalio_common::protos::temporal::api::{
            enums::v1::{TaskQueueKind, TaskQueueType},
            taskqueue::v1::TaskQueue,
            workflowservice::v1::DescribeTaskQueueRequest,
        };
        let request = DescribeTaskQueueRequest {
            namespace: "default".to_owned(),
            task_queue: Some(TaskQueue {
                name: bridge_runtime::spec::DEFAULT_BRIDGE_QUEUE.to_owned(),
                kind: TaskQueueKind::Normal as i32,
                ..Default::default()
            }),
            task_queue_type: TaskQueueType::Activity as i32,
            ..Default::default()
        };
        let mut service = self.a.clone();
        WorkflowService::describe_task_queue(&mut service, request.into_request())
            .await
            .expect("describe A's bridge queue")
            .into_inner()
            .pollers
            .into_iter()
            .map(|p| p.identity)
            .collect()
    }

    /// The identity of the worker that holds (or last held) `workflow_id`'s bridge call.
    pub async fn call_holder(&self, workflow_id: &str) -> Option<String> {
        self.pending_activities_on_a(workflow_id)
            .await
            .first()
            .map(|p| p.last_worker_identity.clone())
    }

    /// Starts a [`Probe::gate`] call on A under `workflow_id` (also its label), and derives the
    /// remote id the bridge gives it.
    pub async fn start_gate_call(&self, workflow_id: &str) -> GateCall {
        let handle = self
            .a
            .start_workflow(
                GateCallerWorkflow::run,
                workflow_id.to_owned(),
                temporalio_client::WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
            )
            .await
            .expect("start on A");
        let run_id = handle.run_id().expect("run id").to_owned();
        let remote_id = self
            .remote_id_of_call(workflow_id, &run_id, 0, Duration::from_secs(60))
            .await;
        GateCall {
            workflow_id: workflow_id.to_owned(),
            run_id,
            remote_id,
        }
    }

    /// Starts `n` gate calls under `{prefix}-{i}`, all at once.
    pub async fn start_gate_calls(&self, prefix: &str, n: usize) -> Vec<GateCall> {
        let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
        futures::future::join_all(ids.iter().map(|id| self.start_gate_call(id))).await
    }

    /// Waits until every call's remote workflow runs on B.
    pub async fn wait_gates_running(&self, calls: &[GateCall]) {
        for c in calls {
            self.wait_running_on_b(&c.remote_id, Duration::from_secs(60))
                .await;
        }
    }

    /// Opens the gate of the [`GateWorkflow`] `remote_id` on B, which must exist.
    pub async fn open_gate(&self, remote_id: &str) {
        self.b
            .get_workflow_handle::<GateWorkflow>(remote_id)
            .signal(GateWorkflow::open, (), Default::default())
            .await
            .unwrap_or_else(|e| panic!("open the gate of {remote_id}: {e}"));
    }

    /// Opens every call's gate, each once its remote workflow runs on B.
    pub async fn open_gates(&self, calls: &[GateCall]) {
        self.wait_gates_running(calls).await;
        for c in calls {
            self.open_gate(&c.remote_id).await;
        }
    }

    /// The phase before a fault: every call is held by a bridge on attempt `attempt` (A's
    /// describe) and its remote workflow runs on B, gate closed (B's describe).
    pub async fn assert_held_and_running(&self, calls: &[GateCall], attempt: i32) {
        for c in calls {
            assert_eq!(
                self.call_state_on_a(&c.workflow_id).await,
                Some((PendingActivityState::Started, attempt)),
                "{} is held by a bridge on attempt {attempt}",
                c.workflow_id
            );
            assert_eq!(
                self.status_on_b(&c.remote_id).await,
                Some(WorkflowExecutionStatus::Running),
                "{} runs on B",
                c.remote_id
            );
        }
    }

    /// Waits until another bridge has taken every call over: its bridge activity is started
    /// again, on attempt 2 or later (after the first holder's heartbeat timeout).
    pub async fn wait_taken_over(&self, calls: &[GateCall], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        for c in calls {
            loop {
                let state = self.call_state_on_a(&c.workflow_id).await;
                if matches!(state, Some((PendingActivityState::Started, a)) if a >= 2) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{} was not taken over within {timeout:?}: {state:?}",
                    c.workflow_id
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// A gate call's result on A, once it has one.
    pub async fn gate_result(&self, call: &GateCall) -> String {
        result_of(
            &self
                .a
                .get_workflow_handle::<GateCallerWorkflow>(&call.workflow_id),
        )
        .await
    }
}

/// One bridged [`Probe::gate`] call: its workflow on A and the remote id the bridge gives it.
/// Its remote workflow runs until the test opens its gate, so a fault lands in the phase the
/// test names whatever the machine's speed.
#[derive(Clone, Debug)]
pub struct GateCall {
    /// The caller's workflow id on A, also the gate's label.
    pub workflow_id: String,
    /// The caller's run on A.
    pub run_id: String,
    /// The remote workflow's id on B.
    pub remote_id: String,
}

impl GateCall {
    /// What the call returns once its gate is open.
    pub fn expected(&self) -> String {
        format!("opened {}", self.workflow_id)
    }
}

/// Waits until the log file at `path` holds a line containing `needle`.
pub async fn wait_for_line(path: &std::path::Path, needle: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|l| l.contains(needle)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no line with `{needle}` in {} after {timeout:?}: {text}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The status in a description.
pub fn status_of(d: &DescribeWorkflowExecutionResponse) -> WorkflowExecutionStatus {
    d.workflow_execution_info
        .as_ref()
        .map(|i| i.status())
        .unwrap_or(WorkflowExecutionStatus::Unspecified)
}

/// [`describe`], or `None` when the cluster has no workflow of that id. Any other error
/// panics: a transport error must not read as "not there".
pub async fn try_describe(
    client: &Client,
    workflow_id: &str,
) -> Option<DescribeWorkflowExecutionResponse> {
    match client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id)
        .describe(WorkflowDescribeOptions::default())
        .await
    {
        Ok(d) => Some(d.raw_description),
        Err(WorkflowInteractionError::NotFound(_)) => None,
        Err(e) => panic!("describe {workflow_id}: {e}"),
    }
}

/// A bridge process; killed on drop.
pub struct BridgeProcess {
    /// The process.
    pub child: Child,
}

impl BridgeProcess {
    /// SIGKILL, and reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the polite stop an orchestrator sends.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success());
    }

    /// Waits for the process to exit by itself, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "bridge did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// SIGSTOP: the process freezes mid-call, as if the machine hung. Returns once the kernel
    /// reports it stopped.
    pub fn freeze(&self) {
        let pid = self.child.id();
        let status = Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .expect("run kill -STOP");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // `/proc/<pid>/stat`: "pid (comm) state ..."; `T` is stopped.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next());
            if state == Some('T') {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "bridge {pid} did not stop: {stat}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for BridgeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How long a test waits for a workflow's result before it fails.
pub const RESULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Waits up to [`RESULT_TIMEOUT`] for a workflow's result; panics if it fails or takes longer.
pub async fn result_of<W: HasWorkflowDefinition>(
    handle: &temporalio_client::WorkflowHandle<Client, W>,
) -> W::Output
where
    W::Output: std::fmt::Debug,
{
    tokio::time::timeout(
        RESULT_TIMEOUT,
        handle.get_result(temporalio_client::WorkflowGetResultOptions::default()),
    )
    .await
    .expect("workflow did not finish in time")
    .expect("workflow failed")
}

/// Starts `workflow` on A under `workflow_id` and waits for its result; returns the result and
/// the run id.
pub async fn run_on_a<W>(
    h: &Harness,
    workflow: W,
    input: W::Input,
    workflow_id: &str,
) -> (W::Output, String)
where
    W: HasWorkflowDefinition,
    W::Input: Send,
    W::Output: std::fmt::Debug,
{
    let handle =
        h.a.start_workflow(
            workflow,
            input,
            temporalio_client::WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
        )
        .await
        .expect("start on A");
    let run_id = handle.run_id().expect("run id").to_owned();
    (result_of(&handle).await, run_id)
}

/// The server's description of the latest run of `workflow_id`, which must exist.
pub async fn describe(client: &Client, workflow_id: &str) -> DescribeWorkflowExecutionResponse {
    try_describe(client, workflow_id)
        .await
        .unwrap_or_else(|| panic!("describe {workflow_id}: not found"))
}

/// Test logs go to the test's captured output; `RUST_LOG` filters them.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}

/// Installs the global OpenTelemetry tracer provider that the SDK's plugin traces with, with its
/// workflow-safe id generator.
pub fn install_tracer_provider() {
    opentelemetry::global::set_tracer_provider(
        opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_id_generator(temporalio_sdk::opentelemetry::WorkflowIdGenerator::default())
            .build(),
    );
}

/// The SDK's OpenTelemetry worker plugin: a worker with it continues the trace context of each
/// workflow it runs, and puts it in the header of each activity the workflow schedules.
pub fn tracing_plugin() -> temporalio_sdk::plugins::SimplePlugin {
    temporalio_sdk::opentelemetry::OpenTelemetryPlugin::builder().build()
}

/// Which history event's header [`trace_id_in`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TracedEvent {
    /// The workflow's start.
    Started,
    /// The first activity it scheduled (a bridged call's).
    ActivityScheduled,
}

/// The trace id in the `_tracer-data` header (`{"traceparent": "00-<trace id>-…"}`) of an event
/// of `workflow_id`'s run `run_id` (empty: the latest), read from its history.
pub async fn trace_id_in(
    client: &Client,
    workflow_id: &str,
    run_id: &str,
    event: TracedEvent,
) -> Option<String> {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    let events = bridge_runtime::testing::history(client, workflow_id, run_id)
        .await
        .unwrap_or_else(|e| panic!("history of {workflow_id}: {e}"));
    let header = events
        .into_iter()
        .find_map(|e| match (e.attributes, event) {
            (
                Some(Attributes::WorkflowExecutionStartedEventAttributes(a)),
                TracedEvent::Started,
            ) => a.header,
            (
                Some(Attributes::ActivityTaskScheduledEventAttributes(a)),
                TracedEvent::ActivityScheduled,
            ) => a.header,
            _ => None,
        })?;
    let payload = header.fields.get("_tracer-data")?;
    let carrier: serde_json::Value = serde_json::from_slice(&payload.data).ok()?;
    let traceparent = carrier["traceparent"].as_str()?;
    traceparent.split('-').nth(1).map(str::to_owned)
}
