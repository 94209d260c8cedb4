//! Case 6: what long waits cost the source cluster, and how fast they fail over and cancel.
//!
//! Requests are counted by cluster A's own frontend (`service_requests` by `operation`, under
//! `service_name="frontend"` only: the history service counts the same request again). Reads
//! are left out: the workers' long polls (`Poll…`), which they make whether or not calls wait,
//! and the describes, lists and history reads of tools and of the bench itself. Every other
//! request, whoever makes it, counts as a write.

use super::{BRIDGE, Report, Stats};
use bridge_runtime::{CallTimeouts, testing::FaultProxy};
use futures::{StreamExt, stream};
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};
use temporal_bridge_tests::{
    A_QUEUE, BridgeProcess, GateCall, Harness, LongGate, LongGateCallerWorkflow, result_of,
};
use temporalio_client::{WorkflowCancelOptions, WorkflowStartOptions};
use temporalio_common::protos::temporal::api::enums::v1::{
    PendingActivityState, WorkflowExecutionStatus,
};

/// How long the steady state is measured.
const WINDOW: Duration = Duration::from_secs(60);
/// Calls of the baseline, which are never handed over (as every call was before long waits).
const BASELINE_CALLS: usize = 200;
/// Calls in each failover and cancellation measurement.
const FAILOVER_CALLS: usize = 20;
const CANCEL_CALLS: usize = 5;
/// Requests to cluster A or B in flight at once while the bench sets up or releases calls.
const CONCURRENCY: usize = 50;

pub async fn run(h: &Harness, report: &mut Report, n: usize) {
    let metrics = h.clusters.server("a").metrics_address().to_owned();
    let defaults = CallTimeouts::DEFAULT;
    let never = defaults.attempt.as_millis() as u64;
    let mut bridge = h.spawn_bridge_process(BRIDGE);

    eprintln!("case 6: {BASELINE_CALLS} waiting calls never handed over, for {WINDOW:?} ...");
    let base = Waiting::start(h, "lw-base", BASELINE_CALLS, never, None).await;
    let base_rates = requests_over(&metrics, WINDOW).await;
    base.release(h).await;

    eprintln!("case 6: {n} waiting calls with the default long wait, for {WINDOW:?} ...");
    let after = defaults.long_wait_after.as_millis() as u64;
    let waiting = Waiting::start(h, "lw", n, after, None).await;
    let rss_start_mb = rss_kib(&bridge, "VmRSS:") as f64 / 1024.0;
    let rates = requests_over(&metrics, WINDOW).await;
    let rss_mb = rss_kib(&bridge, "VmRSS:") as f64 / 1024.0;
    let release_s = waiting.release(h).await;

    let per_1000 = |rates: &BTreeMap<String, f64>, calls: usize, op: Option<&str>| {
        let sum: f64 = rates
            .iter()
            .filter(|(k, _)| op.is_none_or(|op| k.as_str() == op))
            .map(|(_, v)| v)
            .sum();
        sum * 1000.0 / calls as f64
    };
    let heartbeat = Some("RecordActivityTaskHeartbeat");
    report.note("wait_requests_by_operation", &format!("{rates:.2?}"));
    report.note(
        "wait_requests_by_operation_baseline",
        &format!("{base_rates:.2?}"),
    );
    let writes = per_1000(&rates, n, None);
    let base_writes = per_1000(&base_rates, BASELINE_CALLS, None);
    report.value("wait_writes_per_1000_per_s", writes, Some((25.0, true)));
    report.value(
        "wait_heartbeats_per_1000_per_s",
        per_1000(&rates, n, heartbeat),
        None,
    );
    report.value(
        "wait_writes_per_1000_per_s_never_handed_over",
        base_writes,
        None,
    );
    report.value(
        "wait_heartbeats_per_1000_per_s_never_handed_over",
        per_1000(&base_rates, BASELINE_CALLS, heartbeat),
        None,
    );
    report.value(
        "wait_writes_ratio_never_handed_over",
        base_writes / writes,
        None,
    );
    report.value(&format!("waiting_{n}_rss_mb"), rss_mb, Some((64.0, true)));
    report.value(
        &format!("waiting_{n}_rss_mb_at_window_start"),
        rss_start_mb,
        None,
    );
    report.value(
        &format!("waiting_{n}_peak_rss_mb"),
        rss_kib(&bridge, "VmHWM:") as f64 / 1024.0,
        None,
    );
    report.value(&format!("release_{n}_s"), release_s, None);

    eprintln!("case 6: cancelling {CANCEL_CALLS} calls in a long wait ...");
    let cancel = cancel_long_waits(h, after).await;
    let slowest = cancel.iter().copied().fold(0.0, f64::max);
    report.value("cancel_long_wait_s_max", slowest, Some((10.0, true)));
    report.value("cancel_long_wait_s_p50", Stats::of(&cancel).p50, None);

    bridge.kill();
    eprintln!(
        "case 6: SIGKILL of a bridge holding {FAILOVER_CALLS} calls not yet started on B ..."
    );
    let start_s = failover_start(h).await;
    report.value("failover_start_s", start_s, Some((10.0, true)));
    eprintln!("case 6: SIGKILL of a bridge holding {FAILOVER_CALLS} calls in a long wait ...");
    let wait_s = failover_wait(h).await;
    report.value("failover_wait_s", wait_s, Some((90.0, true)));
}

/// Calls whose remote workflows wait for their gate, each held by a bridge in the phase its
/// `after_ms` gives: in a long wait once handed over, else in its first activity.
struct Waiting {
    calls: Vec<GateCall>,
}

impl Waiting {
    async fn start(
        h: &Harness,
        prefix: &str,
        n: usize,
        after_ms: u64,
        heartbeat_ms: Option<u64>,
    ) -> Waiting {
        let calls: Vec<GateCall> = stream::iter(0..n)
            .map(|i| start_long_gate(h, format!("{prefix}-{i}"), after_ms, heartbeat_ms))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let long = Duration::from_millis(after_ms) < CallTimeouts::DEFAULT.attempt;
        stream::iter(&calls)
            .for_each_concurrent(CONCURRENCY, |c| async move {
                h.wait_running_on_b(&c.remote_id, Duration::from_secs(300))
                    .await;
                if long {
                    h.wait_long_wait_held(&c.workflow_id, 1, Duration::from_secs(300))
                        .await;
                } else {
                    h.wait_calls_picked_up(
                        std::slice::from_ref(&c.workflow_id),
                        Duration::from_secs(300),
                    )
                    .await;
                }
            })
            .await;
        Waiting { calls }
    }

    /// Opens every gate; the seconds until A has every result, each checked.
    async fn release(self, h: &Harness) -> f64 {
        let t = Instant::now();
        stream::iter(&self.calls)
            .for_each_concurrent(CONCURRENCY, |c| h.open_gate(&c.remote_id))
            .await;
        check_results(h, &self.calls).await;
        t.elapsed().as_secs_f64()
    }
}

async fn start_long_gate(
    h: &Harness,
    workflow_id: String,
    after_ms: u64,
    heartbeat_ms: Option<u64>,
) -> GateCall {
    let input = LongGate {
        label: workflow_id.clone(),
        after_ms,
        heartbeat_ms,
    };
    let handle =
        h.a.start_workflow(
            LongGateCallerWorkflow::run,
            input,
            WorkflowStartOptions::new(A_QUEUE, &workflow_id).build(),
        )
        .await
        .expect("start on A");
    let run_id = handle.run_id().expect("run id").to_owned();
    let remote_id = h
        .remote_id_of_call(&workflow_id, &run_id, 0, Duration::from_secs(300))
        .await;
    GateCall {
        workflow_id,
        run_id,
        remote_id,
    }
}

async fn check_results(h: &Harness, calls: &[GateCall]) {
    stream::iter(calls)
        .for_each_concurrent(CONCURRENCY, |c| async move {
            let handle =
                h.a.get_workflow_handle::<LongGateCallerWorkflow>(&c.workflow_id);
            assert_eq!(result_of(&handle).await, c.expected(), "{}", c.workflow_id);
        })
        .await;
}

/// Operations that only read: not counted as writes.
const READS: [&str; 6] = ["Poll", "Describe", "Get", "List", "Count", "Scan"];

/// The rate of each operation's requests on A's frontend over `window`, reads left out.
async fn requests_over(metrics: &str, window: Duration) -> BTreeMap<String, f64> {
    let before = frontend_requests(metrics).await;
    tokio::time::sleep(window).await;
    let after = frontend_requests(metrics).await;
    after
        .into_iter()
        .filter(|(op, _)| !READS.iter().any(|read| op.starts_with(read)))
        .map(|(op, v)| {
            let delta = v - before.get(&op).copied().unwrap_or(0.0);
            (op, delta / window.as_secs_f64())
        })
        .filter(|(_, rate)| *rate > 0.0)
        .collect()
}

/// `service_requests` of the frontend service, summed by operation.
async fn frontend_requests(metrics: &str) -> BTreeMap<String, f64> {
    let text = scrape(metrics).await;
    let mut by_op = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("service_requests{") else {
            continue;
        };
        if !rest.contains("service_name=\"frontend\"") {
            continue;
        }
        let op = rest
            .split_once("operation=\"")
            .and_then(|(_, r)| r.split_once('"'))
            .map(|(op, _)| op.to_owned());
        let value = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
        if let (Some(op), Some(v)) = (op, value) {
            *by_op.entry(op).or_insert(0.0) += v;
        }
    }
    assert!(
        !by_op.is_empty(),
        "no frontend service_requests at {metrics}"
    );
    by_op
}

/// `GET /metrics` over HTTP/1.0, whose answer is never chunked.
async fn scrape(address: &str) -> String {
    let (status, body) = temporal_bridge_tests::http::try_get_http10(address, "/metrics")
        .await
        .unwrap_or_else(|e| panic!("GET /metrics on {address}: {e}"));
    assert_eq!(status, 200, "GET /metrics on {address}: {body}");
    body
}

fn rss_kib(bridge: &BridgeProcess, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", bridge.pid()))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Cancels callers whose calls are in a long wait: the seconds from each cancel request on A
/// to B's workflow cancelled.
async fn cancel_long_waits(h: &Harness, after_ms: u64) -> Vec<f64> {
    let waiting = Waiting::start(h, "lw-cancel", CANCEL_CALLS, after_ms, None).await;
    let mut took = Vec::new();
    for c in &waiting.calls {
        let t = Instant::now();
        h.a.get_workflow_handle::<LongGateCallerWorkflow>(&c.workflow_id)
            .cancel(WorkflowCancelOptions::builder().reason("bench").build())
            .await
            .expect("cancel on A");
        loop {
            if h.status_on_b(&c.remote_id).await == Some(WorkflowExecutionStatus::Canceled) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(300),
                "{} not cancelled",
                c.remote_id
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        took.push(t.elapsed().as_secs_f64());
    }
    took
}

/// A bridge holds calls whose starts it sent to B through a held proxy, so that nothing is on
/// B; another bridge polls idle. The seconds from the first's SIGKILL until every call runs
/// on B, started by the second.
async fn failover_start(h: &Harness) -> f64 {
    let proxy = FaultProxy::start(h.clusters.server("b").address())
        .await
        .expect("proxy");
    let mut first = h.spawn_bridge_process_with(
        BRIDGE,
        &[("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS", proxy.address())],
    );
    proxy.hold();
    let calls = h.start_gate_calls("fo-start", FAILOVER_CALLS).await;
    for c in &calls {
        wait_state(h, c, 1).await;
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            None,
            "not on B before the kill"
        );
    }
    proxy
        .wait_held_bytes(Duration::from_secs(60))
        .await
        .expect("the first bridge's starts reach the held proxy");
    let _second = h.spawn_bridge_process(BRIDGE);
    let t = Instant::now();
    first.kill();
    for c in &calls {
        h.wait_running_on_b(&c.remote_id, Duration::from_secs(300))
            .await;
    }
    let took = t.elapsed().as_secs_f64();
    drop(proxy);
    h.open_gates(&calls).await;
    for c in &calls {
        assert_eq!(h.gate_result(c).await, c.expected());
    }
    took
}

/// Waits until `call`'s bridge activity is held on `attempt`.
async fn wait_state(h: &Harness, call: &GateCall, attempt: i32) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while h.call_state_on_a(&call.workflow_id).await
        != Some((PendingActivityState::Started, attempt))
    {
        assert!(Instant::now() < deadline, "{} not held", call.workflow_id);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A bridge holds calls in a long wait (the default heartbeat timeout); another polls idle.
/// The first is SIGKILLed and the remote workflows close: the seconds until A has every result.
async fn failover_wait(h: &Harness) -> f64 {
    let mut first = h.spawn_bridge_process(BRIDGE);
    let waiting = Waiting::start(h, "fo-wait", FAILOVER_CALLS, 1, None).await;
    let _second = h.spawn_bridge_process(BRIDGE);
    let t = Instant::now();
    first.kill();
    stream::iter(&waiting.calls)
        .for_each_concurrent(CONCURRENCY, |c| h.open_gate(&c.remote_id))
        .await;
    check_results(h, &waiting.calls).await;
    t.elapsed().as_secs_f64()
}
