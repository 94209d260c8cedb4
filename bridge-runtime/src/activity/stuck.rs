//! Noticing, while a call waits, that its remote workflow makes no progress on cluster B: no
//! worker polls its task queue, or its workflow task keeps failing (an input the worker cannot
//! decode, an unknown workflow type, a panic, nondeterminism). The SDK retries such a task until
//! the workflow times out, so without this the caller would wait in silence.
//!
//! A stuck call is reported in one WARN line (at most once a minute per call), the
//! `temporal_bridge_remote_stuck` metric and the bridge activity's heartbeat details; with
//! `on_stuck = "fail"` it fails once stuck for `stuck_after`.

use super::attempt::Attempt;
use crate::{metrics::CountedGuard, pool::describe_task_queue, spec::OnStuck, wire::WaitProgress};
use std::{
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};
use temporalio_client::{
    Client, NamespacedClient, WorkflowDescribeOptions, grpc::WorkflowService, tonic::IntoRequest,
};
use temporalio_common::{
    UntypedWorkflow,
    protos::temporal::api::{
        common::v1::WorkflowExecution,
        enums::v1::{TaskQueueType, WorkflowExecutionStatus},
        history::v1::history_event::Attributes,
        workflowservice::v1::GetWorkflowExecutionHistoryReverseRequest,
    },
};
use tracing::{info, warn};

/// A workflow task on its third attempt has failed twice in a row: not a worker that died once.
const FAILING_ATTEMPT: i32 = 3;

/// A poller the server saw this recently is alive: a poll is held open for about a minute, and
/// the server keeps a dead worker's pollers listed for minutes after.
const LIVE_POLLER: Duration = Duration::from_secs(90);

/// Looks this many times at the heartbeat timeout's pace before slowing to [`STEADY_EVERY`]: a
/// workflow that has run its first tasks is rarely stuck later, and each look is a request to B.
const EAGER_LOOKS: u32 = 12;
const STEADY_EVERY: Duration = Duration::from_secs(60);

/// The least time between two WARN lines of one stuck call.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// What one look found.
enum Found {
    /// The remote workflow makes progress, or has closed.
    Fine,
    /// It is stuck.
    Stuck(Stuck),
    /// Cluster B did not answer: no news, the state stays as it was.
    Unknown,
}

/// Why a remote workflow makes no progress.
enum Stuck {
    /// Its workflow task was never picked up, and no worker polls its queue.
    NoPoller,
    /// Its workflow task keeps failing, with the worker's message.
    TaskFailing { attempt: i32, message: String },
}

impl Stuck {
    /// The metric's `reason` label.
    fn label(&self) -> &'static str {
        match self {
            Stuck::NoPoller => "no_poller",
            Stuck::TaskFailing { .. } => "task_failing",
        }
    }

    fn describe(&self, queue: &str, cluster: &str) -> String {
        match self {
            Stuck::NoPoller => format!(
                "no worker polls task queue `{queue}` on cluster `{cluster}`: its workflow task \
                 is waiting to be picked up"
            ),
            Stuck::TaskFailing { attempt, message } => format!(
                "its workflow task on cluster `{cluster}` keeps failing (attempt {attempt}): \
                 {message}"
            ),
        }
    }
}

/// One waiting call's look-out.
pub(super) struct Watch<'a> {
    a: &'a Attempt,
    client: &'a Client,
    queue: &'static str,
    /// What the call does while stuck: the header's override, else the method's.
    on_stuck: OnStuck,
    looks: u32,
    /// Since when, and counted in the metric under which reason, while stuck.
    stuck: Option<(Instant, CountedGuard)>,
    last_warn: Option<Instant>,
}

impl<'a> Watch<'a> {
    pub(super) fn new(a: &'a Attempt, client: &'a Client, queue: &'static str) -> Self {
        Watch {
            a,
            client,
            queue,
            on_stuck: a.on_stuck,
            looks: 0,
            stuck: None,
            last_warn: None,
        }
    }

    /// Until the next look: the heartbeat timeout (so that a stuck call is noticed within about
    /// two), and once a minute after [`EAGER_LOOKS`] looks, or while a call that waits anyway is
    /// stuck (stuck calls tend to be stuck together, and B is then in trouble already).
    pub(super) fn next_look(&self) -> Duration {
        let eager = self
            .a
            .ctx
            .info()
            .heartbeat_timeout
            .unwrap_or(Duration::from_secs(5))
            .clamp(Duration::from_secs(1), STEADY_EVERY);
        let failing = matches!(self.on_stuck, OnStuck::Fail { .. });
        match &self.stuck {
            Some(_) if failing => eager,
            Some(_) => STEADY_EVERY,
            None if self.looks < EAGER_LOOKS => eager,
            None => STEADY_EVERY,
        }
    }

    /// Looks once at the remote workflow; reports what it finds in `progress`, the log and the
    /// metric. Returns the reason when the call must now fail (`on_stuck = "fail"`).
    pub(super) async fn look(&mut self, progress: &Mutex<WaitProgress>) -> Option<String> {
        self.looks += 1;
        let cluster = self.a.spec.cluster;
        let found = match diagnose(self.client, &self.a.remote_id, self.queue).await {
            Found::Stuck(found) => found,
            Found::Unknown => return None,
            Found::Fine => {
                if self.stuck.take().is_some() {
                    info!("remote workflow makes progress again");
                    lock(progress).stuck = None;
                }
                return None;
            }
        };
        let reason = found.describe(self.queue, cluster);
        let since = match &self.stuck {
            Some((since, _)) => *since,
            None => {
                let guard = self.a.metrics.stuck(found.label());
                self.stuck = Some((Instant::now(), guard));
                Instant::now()
            }
        };
        lock(progress).stuck = Some(reason.clone());
        if self.last_warn.is_none_or(|w| w.elapsed() >= WARN_EVERY) {
            self.last_warn = Some(Instant::now());
            warn!(
                cluster,
                queue = self.queue,
                remote_workflow_id = %self.a.remote_id,
                reason = %reason,
                "remote workflow is stuck"
            );
        }
        match self.on_stuck {
            OnStuck::Fail { after } if since.elapsed() >= after => Some(reason),
            OnStuck::Fail { .. } | OnStuck::Wait => None,
        }
    }
}

fn lock(progress: &Mutex<WaitProgress>) -> std::sync::MutexGuard<'_, WaitProgress> {
    progress.lock().unwrap_or_else(|e| e.into_inner())
}

/// What keeps the running workflow `remote_id` from progress, if anything. Trouble asking is
/// not an answer ([`Found::Unknown`]): the wait itself reports transport errors.
async fn diagnose(client: &Client, remote_id: &str, queue: &str) -> Found {
    let handle = client.get_workflow_handle::<UntypedWorkflow>(remote_id);
    let Ok(description) = handle.describe(WorkflowDescribeOptions::default()).await else {
        return Found::Unknown;
    };
    let description = description.raw_description;
    let running = description
        .workflow_execution_info
        .as_ref()
        .is_some_and(|i| i.status() == WorkflowExecutionStatus::Running);
    let Some(pending) = description.pending_workflow_task.filter(|_| running) else {
        return Found::Fine;
    };
    if pending.attempt >= FAILING_ATTEMPT {
        let message = last_task_failure(client, remote_id)
            .await
            .unwrap_or_else(|| "the worker's failure message is not in the history".to_owned());
        return Found::Stuck(Stuck::TaskFailing {
            attempt: pending.attempt,
            message,
        });
    }
    if pending.started_time.is_some() {
        return Found::Fine;
    }
    match has_live_poller(client, queue).await {
        Some(false) => Found::Stuck(Stuck::NoPoller),
        Some(true) => Found::Fine,
        None => Found::Unknown,
    }
}

/// The message of the remote workflow's latest workflow task failure, from its history.
async fn last_task_failure(client: &Client, remote_id: &str) -> Option<String> {
    let mut service = client.clone();
    let request = GetWorkflowExecutionHistoryReverseRequest {
        namespace: client.namespace(),
        execution: Some(WorkflowExecution {
            workflow_id: remote_id.to_owned(),
            run_id: String::new(),
        }),
        maximum_page_size: 20,
        next_page_token: Vec::new(),
    };
    let history = WorkflowService::get_workflow_execution_history_reverse(
        &mut service,
        request.into_request(),
    )
    .await
    .ok()?
    .into_inner()
    .history?;
    // Newest first; a completed task before any failure means the failures are not the latest.
    let failure = history
        .events
        .iter()
        .take_while(|e| {
            !matches!(
                e.attributes,
                Some(Attributes::WorkflowTaskCompletedEventAttributes(_))
            )
        })
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(f)) => f.failure.as_ref(),
            _ => None,
        })?;
    // The SDKs put the specific reason (a decode error, a panic's message) in the causes.
    let mut messages = vec![failure.message.clone()];
    let mut cause = failure.cause.as_deref();
    while let Some(c) = cause {
        if !c.message.is_empty() && !messages.contains(&c.message) {
            messages.push(c.message.clone());
        }
        cause = c.cause.as_deref();
    }
    Some(messages.join(": "))
}

/// Whether a worker polled `queue`'s workflow tasks within [`LIVE_POLLER`]; `None` when the
/// cluster does not say.
async fn has_live_poller(client: &Client, queue: &str) -> Option<bool> {
    let pollers = describe_task_queue(client, queue, TaskQueueType::Workflow, false)
        .await
        .ok()?
        .pollers;
    let now = SystemTime::now();
    Some(pollers.iter().any(|p| {
        p.last_access_time
            .and_then(|t| SystemTime::try_from(t).ok())
            .is_some_and(|seen| now.duration_since(seen).unwrap_or_default() < LIVE_POLLER)
    }))
}
