//! The bridge's own metrics, recorded through the SDK's meter so that one Prometheus scrape
//! serves the SDK's worker metrics and these.
//!
//! | Metric | Kind | Labels |
//! |---|---|---|
//! | `temporal_bridge_call_latency` | histogram (duration) of one attempt | `method`, `destination_cluster`, `outcome` (`ok`, `error`, `abandoned`) |
//! | `temporal_bridge_call_errors` | counter: attempts that ended in an error | `method`, `destination_cluster`, `failure` (the failure type, e.g. `BridgeRemoteFailed`; `cancelled`) |
//! | `temporal_bridge_remote_start_errors` | counter | `method`, `destination_cluster` |
//! | `temporal_bridge_remote_wait_errors` | counter | `method`, `destination_cluster` |
//! | `temporal_bridge_remote_starts` | counter | `method`, `destination_cluster`, `result` (`fresh` or `attached`) |
//! | `temporal_bridge_calls_in_flight` | up-down counter | `method`, `destination_cluster` |
//! | `temporal_bridge_heartbeat_age` | histogram (duration) since the attempt's previous heartbeat | `method`, `destination_cluster` |
//! | `temporal_bridge_remote_stuck` | up-down counter: calls waiting now on a remote workflow that makes no progress | `method`, `destination_cluster`, `reason` (`no_poller`, `task_failing`) |
//! | `temporal_bridge_throttled` | up-down counter: calls waiting now for a limit (`[limits]`, `starts_per_second`, `max_in_flight`) | `method`, `destination_cluster` |
//! | `temporal_bridge_handed_over` | counter: calls handed over to a long wait (`long_wait_after`) | `method`, `destination_cluster` |
//! | `temporal_bridge_refused` | counter: calls the gateway refused | `method`, `destination_cluster`, `reason` (`not_owned`, `id_not_allowed`, `target_not_allowed`) |
//! | `temporal_bridge_queue_depth` | gauge: calls scheduled on the bridge queue and not yet picked up, from the source cluster's task queue statistics (approximate; read every [`QUEUE_DEPTH_INTERVAL`]) | `bridge_queue` |
//!
//! Every series of a bridge's endpoint, the SDK's included, also has the label `source_cluster`
//! ([`SOURCE_LABEL`]): the cluster the bridge polls, so that bridges of several directions share
//! one dashboard.

use crate::pool::describe_task_queue;
use crate::spec::MethodSpec;
use std::{sync::Arc, time::Duration};
use temporalio_client::Client;
use temporalio_common::{
    protos::temporal::api::enums::v1::TaskQueueType,
    telemetry::metrics::{
        CoreMeter, Counter, Gauge, HistogramDuration, MetricAttributes, MetricKeyValue,
        MetricParameters, NewAttributes, NoOpCoreMeter, UpDownCounter,
    },
};
use tracing::debug;

/// How often a bridge reads its queues' backlog for `temporal_bridge_queue_depth`.
pub const QUEUE_DEPTH_INTERVAL: Duration = Duration::from_secs(5);

/// The label on every series of a bridge's metrics endpoint that names its source cluster.
pub const SOURCE_LABEL: &str = "source_cluster";

/// Instruments of one bridge worker.
pub(crate) struct BridgeMetrics {
    meter: Arc<dyn CoreMeter>,
    latency: HistogramDuration,
    errors: Counter,
    start_errors: Counter,
    wait_errors: Counter,
    starts: Counter,
    in_flight: UpDownCounter,
    heartbeat_age: HistogramDuration,
    stuck: UpDownCounter,
    refused: Counter,
    throttled: UpDownCounter,
    handed_over: Counter,
    queue_depth: Gauge,
}

/// What an attempt ended as, for the latency histogram's `outcome` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The part completed: `ok`.
    Ok,
    /// It failed (a remote outcome, bad input or trouble reaching the destination): `error`.
    Error,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        }
    }
}

impl std::fmt::Debug for BridgeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeMetrics")
            .field("meter", &self.meter)
            .finish_non_exhaustive()
    }
}

impl BridgeMetrics {
    /// Instruments on `meter`.
    pub fn new(meter: Arc<dyn CoreMeter>) -> Self {
        let param = |name: &'static str, description: &'static str| {
            MetricParameters::builder()
                .name(name)
                .description(description)
                .build()
        };
        Self {
            latency: meter.histogram_duration(param(
                "temporal_bridge_call_latency",
                "Time of one bridge activity attempt, from pickup to its result",
            )),
            errors: meter.counter(param(
                "temporal_bridge_call_errors",
                "Bridge activity attempts that ended in an error, by failure type",
            )),
            start_errors: meter.counter(param(
                "temporal_bridge_remote_start_errors",
                "Failed requests to start a remote workflow",
            )),
            wait_errors: meter.counter(param(
                "temporal_bridge_remote_wait_errors",
                "Failed waits for a remote workflow's result (transport, not remote outcomes)",
            )),
            starts: meter.counter(param(
                "temporal_bridge_remote_starts",
                "Remote workflows started fresh or attached to",
            )),
            in_flight: meter.up_down_counter(param(
                "temporal_bridge_calls_in_flight",
                "Bridge activity attempts running now",
            )),
            stuck: meter.up_down_counter(param(
                "temporal_bridge_remote_stuck",
                "Calls waiting now on a remote workflow that makes no progress",
            )),
            refused: meter.counter(param(
                "temporal_bridge_refused",
                "Calls the gateway refused: an execution not started for them, an id or a target the method does not open",
            )),
            throttled: meter.up_down_counter(param(
                "temporal_bridge_throttled",
                "Calls waiting now for a limit on starts per second or calls in flight",
            )),
            handed_over: meter.counter(param(
                "temporal_bridge_handed_over",
                "Calls still waiting after long_wait_after, handed over to a long wait",
            )),
            queue_depth: meter.gauge(param(
                "temporal_bridge_queue_depth",
                "Calls scheduled on the bridge queue and not yet picked up (the source cluster's approximate backlog)",
            )),
            heartbeat_age: meter.histogram_duration(param(
                "temporal_bridge_heartbeat_age",
                "Time since the attempt's previous heartbeat, at each heartbeat",
            )),
            meter,
        }
    }

    /// Instruments that record nothing.
    pub fn disabled() -> Self {
        Self::new(Arc::new(NoOpCoreMeter))
    }

    /// The labels of a method's calls.
    pub fn labels(&self, spec: &MethodSpec) -> MetricAttributes {
        self.meter.new_attributes(NewAttributes::from(vec![
            MetricKeyValue::new("method", spec.label()),
            MetricKeyValue::new("destination_cluster", spec.cluster),
        ]))
    }

    /// Reads the backlog of each bridge queue from `source` every [`QUEUE_DEPTH_INTERVAL`], for
    /// ever (the caller aborts it). A read that fails leaves the last value and is retried.
    pub async fn watch_queue_depth(self: Arc<Self>, source: Client, queues: Vec<&'static str>) {
        let labels: Vec<_> = queues
            .iter()
            .map(|q| {
                let labels =
                    self.meter
                        .new_attributes(NewAttributes::from(vec![MetricKeyValue::new(
                            "bridge_queue",
                            *q,
                        )]));
                (*q, labels)
            })
            .collect();
        let mut tick = tokio::time::interval(QUEUE_DEPTH_INTERVAL);
        loop {
            tick.tick().await;
            for (queue, labels) in &labels {
                match backlog(&source, queue).await {
                    Ok(depth) => self.queue_depth.record(depth, labels),
                    Err(e) => debug!(bridge_queue = queue, error = %e, "queue depth not read"),
                }
            }
        }
    }

    /// The gateway refused a call of `spec` for `reason`.
    pub fn refused(&self, spec: &MethodSpec, reason: &'static str) {
        let labels = self.meter.extend_attributes(
            self.labels(spec),
            NewAttributes::from(vec![MetricKeyValue::new("reason", reason)]),
        );
        self.refused.add(1, &labels);
    }

    /// One attempt started; the guard records its end.
    pub fn attempt(self: &Arc<Self>, spec: &MethodSpec) -> AttemptGuard {
        let labels = self.labels(spec);
        self.in_flight.add(1, &labels);
        AttemptGuard {
            metrics: self.clone(),
            labels,
            started: std::time::Instant::now(),
            last_beat: std::sync::Mutex::new(std::time::Instant::now()),
            outcome: None,
        }
    }
}

/// The approximate backlog of activity tasks on `queue`, from the cluster's task queue
/// statistics.
async fn backlog(client: &Client, queue: &str) -> Result<u64, String> {
    let response = describe_task_queue(client, queue, TaskQueueType::Activity, true)
        .await
        .map_err(|e| e.message().to_owned())?;
    Ok(response.stats.map_or(0, |s| {
        u64::try_from(s.approximate_backlog_count).unwrap_or(0)
    }))
}

/// Records an attempt's latency and leaves the in-flight count when dropped.
pub(crate) struct AttemptGuard {
    metrics: Arc<BridgeMetrics>,
    labels: MetricAttributes,
    started: std::time::Instant,
    last_beat: std::sync::Mutex<std::time::Instant>,
    outcome: Option<Outcome>,
}

impl AttemptGuard {
    /// Sets how the attempt ended. Dropped without it (cancelled, or let go at shutdown), the
    /// attempt is recorded as `abandoned`.
    pub fn finish(&mut self, outcome: Outcome) {
        self.outcome = Some(outcome);
    }

    /// The attempt ended in an error of this failure type (`cancelled` when it was cancelled).
    pub fn failed(&self, failure: &str) {
        let labels = self.metrics.meter.extend_attributes(
            self.labels.clone(),
            NewAttributes::from(vec![MetricKeyValue::new("failure", failure.to_owned())]),
        );
        self.metrics.errors.add(1, &labels);
    }

    /// A start request failed.
    pub fn start_error(&self) {
        self.metrics.start_errors.add(1, &self.labels);
    }

    /// The call was handed over to a long wait.
    pub fn handed_over(&self) {
        self.metrics.handed_over.add(1, &self.labels);
    }

    /// A wait for the result failed in transport.
    pub fn wait_error(&self) {
        self.metrics.wait_errors.add(1, &self.labels);
    }

    /// The remote workflow was started (`fresh`) or an existing one attached to.
    pub fn started(&self, fresh: bool) {
        let labels = self.with_label("result", if fresh { "fresh" } else { "attached" });
        self.metrics.starts.add(1, &labels);
    }

    /// This attempt's labels and one more.
    fn with_label(&self, key: &str, value: &'static str) -> MetricAttributes {
        self.metrics.meter.extend_attributes(
            self.labels.clone(),
            NewAttributes::from(vec![MetricKeyValue::new(key, value)]),
        )
    }

    /// The call's remote workflow is stuck for `reason`; it counts in
    /// `temporal_bridge_remote_stuck` until the guard is dropped.
    pub fn stuck(&self, reason: &'static str) -> CountedGuard {
        CountedGuard::new(&self.metrics.stuck, self.with_label("reason", reason))
    }

    /// The call waits for a limit; it counts in `temporal_bridge_throttled` until the guard
    /// is dropped.
    pub fn throttled(&self) -> CountedGuard {
        CountedGuard::new(&self.metrics.throttled, self.labels.clone())
    }

    /// A heartbeat was recorded: its age is the time since the previous one (or the start).
    pub fn heartbeat(&self) {
        let now = std::time::Instant::now();
        let mut last = self.last_beat.lock().unwrap_or_else(|e| e.into_inner());
        let age: Duration = now - *last;
        *last = now;
        self.metrics.heartbeat_age.record(age, &self.labels);
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        let outcome = self.outcome.map_or("abandoned", Outcome::label);
        let labels = self.with_label("outcome", outcome);
        self.metrics.latency.record(self.started.elapsed(), &labels);
        self.metrics.in_flight.add(-1, &self.labels);
    }
}

/// A call counted in an up-down counter while it is in a state (stuck, waiting for a limit);
/// dropping it (the state over, or the attempt) uncounts it.
pub(crate) struct CountedGuard {
    counter: UpDownCounter,
    labels: MetricAttributes,
}

impl CountedGuard {
    fn new(counter: &UpDownCounter, labels: MetricAttributes) -> Self {
        counter.add(1, &labels);
        CountedGuard {
            counter: counter.clone(),
            labels,
        }
    }
}

impl Drop for CountedGuard {
    fn drop(&mut self) {
        self.counter.add(-1, &self.labels);
    }
}
