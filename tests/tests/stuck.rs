//! Stuck calls: a remote workflow that makes no progress on cluster B is reported while the
//! call waits, and with `on_stuck = "fail"` the call fails with `RemoteStuck`, on two real local
//! clusters with a real bridge process.

use bridge_runtime::testing::{WorkerThread, history};
use bridge_runtime::wire::WaitProgress;
use std::time::{Duration, Instant};
use temporal_bridge_tests::http::{sample, scrape};
use temporal_bridge_tests::{
    A_QUEUE, Harness, NoopWorkflow, PROBE_LATE_QUEUE, ProbeCallee, StuckCallerWorkflow, result_of,
    wait_for_line,
};
use temporalio_client::{Client, WorkflowHandle, WorkflowStartOptions};
use temporalio_common::HasWorkflowDefinition;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const BRIDGE: &str = env!("CARGO_BIN_EXE_test-bridge");

/// Starts `StuckCallerWorkflow` on A with `kind` (also its workflow id).
async fn start_on_a(
    h: &Harness,
    kind: &str,
) -> WorkflowHandle<Client, impl HasWorkflowDefinition<Output = String>> {
    h.a.start_workflow(
        StuckCallerWorkflow::run,
        kind.to_owned(),
        WorkflowStartOptions::new(A_QUEUE, kind).build(),
    )
    .await
    .expect("start on A")
}

/// The remote workflow id in a `RemoteStuck` error's `Debug`.
fn remote_id_in(seen: &str) -> String {
    let (_, rest) = seen
        .split_once("remote_workflow_id: \"")
        .unwrap_or_else(|| panic!("no remote id in {seen}"));
    rest.split('"').next().unwrap().to_owned()
}

/// `text` without the terminal's colour codes.
fn strip_colors(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ … m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Waits until B's history of `remote_id` holds a cancel request: the default `on_cancel`
/// acted. B writes the event once no workflow task is in flight, which for a task that keeps
/// failing is when the running attempt times out: hence a wait, not one read.
async fn wait_cancel_requested_on_b(h: &Harness, remote_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let events = history(&h.b, remote_id, "").await.expect("history of B");
        let requested = events.iter().any(|e| {
            matches!(
                e.attributes,
                Some(Attributes::WorkflowExecutionCancelRequestedEventAttributes(
                    _
                ))
            )
        });
        if requested {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no cancel request in B's history of {remote_id}: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs the `kind` stuck call through a bridge process that logs to a file, and returns its
/// outcome and the bridge's first WARN line about it (colours stripped). The time to that line
/// and to the outcome are printed: figures for the record, not assertions, since a slow machine
/// takes longer.
async fn stuck_call(h: &Harness, kind: &str) -> (String, String) {
    let log = std::env::temp_dir().join(format!("bridge-{kind}-{}.log", std::process::id()));
    let _bridge =
        h.spawn_bridge_process_logged(BRIDGE, &[("RUST_LOG", "bridge_runtime=info")], &log);
    let started = Instant::now();
    let handle = start_on_a(h, kind).await;
    wait_for_line(&log, "remote workflow is stuck", Duration::from_secs(60)).await;
    let warned = started.elapsed();
    let seen = result_of(&handle).await;
    eprintln!(
        "{kind}: first WARN after {warned:?}, RemoteStuck after {:?}",
        started.elapsed()
    );
    let text = strip_colors(&std::fs::read_to_string(&log).unwrap());
    let warn = text
        .lines()
        .find(|l| l.contains("remote workflow is stuck"))
        .unwrap()
        .to_owned();
    (seen, warn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_a_queue_no_worker_polls_fails_as_stuck_naming_the_queue() {
    let h = Harness::start().await;
    let (seen, warn) = stuck_call(&h, "unserved").await;
    assert!(seen.starts_with("RemoteStuck"), "{seen}");
    assert!(
        seen.contains("no worker polls task queue `probe-nobody` on cluster `b`"),
        "{seen}"
    );
    for part in [
        "WARN",
        "cluster=\"b\"",
        "queue=\"probe-nobody\"",
        "no worker polls",
    ] {
        assert!(warn.contains(part), "`{part}` in {warn}");
    }
    // The remote workflow was handled per `on_cancel` (cancel, the default).
    wait_cancel_requested_on_b(&h, &remote_id_in(&seen)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_callee_cannot_decode_its_input_fails_as_stuck_with_the_workers_error() {
    let h = Harness::start().await;
    // The bridge's own argument check passes: the trait says the input is a number. B's
    // `GateWorkflow` takes a string, so each of its workflow tasks fails to decode it.
    let (seen, warn) = stuck_call(&h, "drifted").await;
    assert!(seen.starts_with("RemoteStuck"), "{seen}");
    assert!(seen.contains("keeps failing (attempt"), "{seen}");
    assert!(warn.contains("keeps failing"), "{warn}");
    // The reason is the worker's own message, from B's history. (The Rust SDK's says only that
    // it could not create the workflow; other SDKs' messages name the decode error.)
    assert!(seen.contains("Failed to create workflow"), "{seen}");
    wait_cancel_requested_on_b(&h, &remote_id_in(&seen)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_call_reports_a_missing_worker_and_completes_when_one_comes() {
    let h = Harness::start().await;
    let (_bridge, metrics) = h.in_process_bridge_with_metrics(|w| w).await;
    let handle = start_on_a(&h, "late").await;

    // The reason reaches A, in the bridge activity's heartbeat details.
    let deadline = Instant::now() + Duration::from_secs(60);
    let reason = loop {
        let pending = h.pending_activities_on_a("late").await;
        let stuck = pending.iter().find_map(|p| {
            let payload = p.heartbeat_details.as_ref()?.payloads.first()?;
            serde_json::from_slice::<WaitProgress>(&payload.data)
                .ok()?
                .stuck
        });
        if let Some(reason) = stuck {
            break reason;
        }
        assert!(
            Instant::now() < deadline,
            "no stuck reason on A's pending activity: {pending:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        reason.contains("no worker polls task queue `probe-late` on cluster `b`"),
        "{reason}"
    );
    let stuck_calls = |text: &str| {
        let labels = ["method=\"Probe.served_late\"", "reason=\"no_poller\""];
        sample(text, "temporal_bridge_remote_stuck", &labels)
    };
    let during = scrape(&metrics).await;
    assert_eq!(stuck_calls(&during), Some(1.0), "{during}");

    // The worker comes: the call, which waited (the default), completes normally.
    let mut options = temporalio_sdk::WorkerOptions::new(PROBE_LATE_QUEUE).build();
    ProbeCallee::served_late::<NoopWorkflow>(&mut options).expect("probe-late serves served_late");
    let _late = WorkerThread::sdk("probe-late", h.b.clone(), options);
    assert_eq!(result_of(&handle).await, "ok: 8");
    let after = scrape(&metrics).await;
    assert_eq!(stuck_calls(&after), Some(0.0), "{after}");
}
