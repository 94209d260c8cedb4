//! The reliability suite: the bridge's promises under faults, outages, load and bad input, on two
//! real local clusters with real bridge processes. `docs/RELIABILITY.md` says what each test
//! proves and holds the figures of the last run; every test prints its figures on a line that
//! starts with `RELIABILITY`, visible with `-- --nocapture`.
//!
//! The tests of this file run one at a time: each starts its own two clusters and kills, stops
//! or loads them, and they would otherwise share two cores.

use bridge_runtime::ids::{DEFAULT_MAX_ID_LEN, finalize_id};
use bridge_runtime::testing::{FaultProxy, count_executions, history, scheduled_activities};
use futures::{StreamExt, stream};
use std::time::{Duration, Instant};
use temporal_bridge_tests::{
    A_QUEUE, B_QUEUE, BridgeProcess, BridgedNoopCallerWorkflow, EchoCallerWorkflow,
    FAST_DISPATCH_SERVER_ARGS, ForgedCallerWorkflow, GateCall, Harness, KeyedEchoCallerWorkflow,
    KeyedRequest, NoopWorkflow, RESULT_TIMEOUT, SleepCallerWorkflow, SleepWorkflow, describe,
    result_of, run_on_a, wait_for_line,
};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
use temporalio_common::UntypedWorkflow;
use temporalio_common::protos::temporal::api::enums::v1::{
    PendingActivityState, WorkflowExecutionStatus,
};

const BRIDGE: &str = env!("CARGO_BIN_EXE_test-bridge");

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ids(calls: &[GateCall]) -> Vec<String> {
    calls.iter().map(|c| c.workflow_id.clone()).collect()
}

/// Waits until every call's remote workflow has closed on B.
async fn wait_all_closed_on_b(h: &Harness, calls: &[GateCall]) {
    for c in calls {
        let on_b =
            h.b.get_workflow_handle::<UntypedWorkflow>(c.remote_id.clone());
        tokio::time::timeout(RESULT_TIMEOUT, on_b.get_result(Default::default()))
            .await
            .expect("remote workflow did not close")
            .expect("remote workflow failed");
    }
}

/// What happened to a set of calls.
#[derive(Debug)]
struct Outcome {
    /// Calls whose workflow on A returned the right result.
    correct: usize,
    /// Remote executions per call, as counted on B.
    executions: Vec<usize>,
    /// The attempt of each call's bridge activity that finished it.
    attempts: Vec<i32>,
}

impl Outcome {
    fn figure(&self, total: usize) -> String {
        let (min, max) = (
            self.executions.iter().min().copied().unwrap_or(0),
            self.executions.iter().max().copied().unwrap_or(0),
        );
        format!(
            "completed correctly {}/{total}, remote executions per call min {min} max {max}, \
             finishing attempt min {} max {}",
            self.correct,
            self.attempts.iter().min().copied().unwrap_or(0),
            self.attempts.iter().max().copied().unwrap_or(0),
        )
    }

    fn assert_exactly_once(&self, total: usize) {
        assert_eq!(self.correct, total, "{}", self.figure(total));
        assert!(
            self.executions.iter().all(|&n| n == 1),
            "every call has exactly one remote execution: {:?}",
            self.executions
        );
    }
}

/// Waits for every call's result on A and counts its executions on B.
async fn outcome(h: &Harness, calls: &[GateCall]) -> Outcome {
    let checks = calls.iter().map(|c| async move {
        let correct = h.gate_result(c).await == c.expected();
        let executions = count_executions(&h.b, &c.remote_id).await.unwrap();
        let attempt = scheduled_activities(&h.a, &c.workflow_id, &c.run_id)
            .await
            .unwrap()[0]
            .started_attempt
            .unwrap_or(0);
        (correct, executions, attempt)
    });
    let all: Vec<_> = stream::iter(checks).buffer_unordered(32).collect().await;
    Outcome {
        correct: all.iter().filter(|(ok, _, _)| *ok).count(),
        executions: all.iter().map(|(_, n, _)| *n).collect(),
        attempts: all.iter().map(|(_, _, a)| *a).collect(),
    }
}

const CRASH_CALLS: usize = 20;

/// The end of a crash-matrix phase: every call finished correctly, by a retry on the second
/// bridge, with exactly one remote execution.
async fn crash_phase_done(h: &Harness, phase: &str, calls: &[GateCall]) {
    let outcome = outcome(h, calls).await;
    println!(
        "RELIABILITY crash-matrix phase={phase} {}",
        outcome.figure(calls.len())
    );
    outcome.assert_exactly_once(calls.len());
    assert!(outcome.attempts.iter().all(|&a| a >= 2), "{outcome:?}");
}

/// Runs one call through `bridge` so that it has connected to both clusters and polls.
async fn warm_up(h: &Harness, tag: &str) {
    let handle =
        h.a.start_workflow(
            EchoCallerWorkflow::run,
            vec![tag.to_owned()],
            WorkflowStartOptions::new(A_QUEUE, format!("warm-up-{tag}")).build(),
        )
        .await
        .unwrap();
    assert_eq!(result_of(&handle).await[0].tag, tag);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix_killed_before_the_remote_start() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    // The first bridge reaches B through a proxy that the test freezes: its start requests are
    // sent but never arrive, the exact window between picking up a call and B starting it.
    let proxy = FaultProxy::start(h.clusters.server("b").address())
        .await
        .unwrap();
    let mut first = h.spawn_bridge_process_with(
        BRIDGE,
        &[("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS", proxy.address())],
    );
    warm_up(&h, "before-start").await;
    proxy.hold();

    let calls = h.start_gate_calls("crash-before-start", CRASH_CALLS).await;
    h.wait_calls_picked_up(&ids(&calls), Duration::from_secs(60))
        .await;
    // The phase: picked up by the first bridge on attempt 1, its requests to B sent into the
    // held proxy, and nothing on B.
    proxy
        .wait_held_bytes(Duration::from_secs(60))
        .await
        .expect("the first bridge's requests to B reach the held proxy");
    for c in &calls {
        assert_eq!(
            h.call_state_on_a(&c.workflow_id).await,
            Some((PendingActivityState::Started, 1)),
            "{} is held by the first bridge",
            c.workflow_id
        );
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            None,
            "{} must not have started on B before the kill",
            c.remote_id
        );
    }
    first.kill();
    drop(proxy);
    let _second = h.spawn_bridge_process(BRIDGE);
    h.open_gates(&calls).await;

    crash_phase_done(&h, "before-remote-start", &calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix_killed_while_the_remote_workflows_run() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process(BRIDGE);
    let calls = h.start_gate_calls("crash-while-running", CRASH_CALLS).await;
    h.wait_gates_running(&calls).await;
    h.assert_held_and_running(&calls, 1).await;
    first.kill();
    let _second = h.spawn_bridge_process(BRIDGE);
    // The phase: the second bridge holds every call while its remote workflow still runs.
    h.wait_taken_over(&calls, Duration::from_secs(120)).await;
    for c in &calls {
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            Some(WorkflowExecutionStatus::Running),
            "{} still runs when the second bridge takes the call",
            c.remote_id
        );
    }
    h.open_gates(&calls).await;

    crash_phase_done(&h, "while-remote-runs", &calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix_killed_after_the_remote_closed_before_the_report() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process(BRIDGE);
    let calls = h.start_gate_calls("crash-after-close", CRASH_CALLS).await;
    h.wait_gates_running(&calls).await;
    h.assert_held_and_running(&calls, 1).await;
    // Frozen, the bridge cannot report; the remote workflows close meanwhile; then it dies.
    first.freeze();
    h.open_gates(&calls).await;
    wait_all_closed_on_b(&h, &calls).await;
    // The phase: closed on B, and no result reported to A.
    for c in &calls {
        assert!(
            h.call_state_on_a(&c.workflow_id).await.is_some(),
            "{} is still pending on A: the frozen bridge reported nothing",
            c.workflow_id
        );
    }
    first.kill();
    let _second = h.spawn_bridge_process(BRIDGE);

    crash_phase_done(&h, "after-remote-closed", &calls).await;
}

const REPLICA_CALLS: usize = 300;

/// The prefix of a bridge process's worker identity (the SDK's default, `pid@host`).
fn identity_of(bridge: &BridgeProcess) -> String {
    format!("{}@", bridge.pid())
}

/// Waits until the bridge process whose identity starts with `holder` holds every call (its
/// activity started, by that process), and returns how long that took.
async fn wait_held_by(
    h: &Harness,
    calls: &[GateCall],
    holder: &str,
    timeout: Duration,
) -> Duration {
    let start = Instant::now();
    for c in calls {
        loop {
            let state = h.call_state_on_a(&c.workflow_id).await;
            let who = h.call_holder(&c.workflow_id).await.unwrap_or_default();
            if matches!(state, Some((PendingActivityState::Started, _))) && who.starts_with(holder)
            {
                break;
            }
            assert!(
                start.elapsed() < timeout,
                "{} is not held by {holder} within {timeout:?}: {state:?} by {who}",
                c.workflow_id
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_300_calls_and_survive_two_kills_and_a_stop() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start_with_args(&FAST_DISPATCH_SERVER_ARGS).await;
    let grace = [("TEST_BRIDGE_GRACE_MS", "2000")];
    let mut replicas: Vec<BridgeProcess> = (0..3)
        .map(|_| h.spawn_bridge_process_with(BRIDGE, &grace))
        .collect();
    // Every replica polls A's bridge queue before the first call is scheduled.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pollers = h.bridge_queue_pollers().await;
        let polling = |r: &BridgeProcess| pollers.iter().any(|p| p.starts_with(&identity_of(r)));
        if replicas.iter().all(polling) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every replica polls: {pollers:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut calls = Vec::new();
    for batch in 0..REPLICA_CALLS / 50 {
        calls.extend(h.start_gate_calls(&format!("replica-{batch}"), 50).await);
    }
    h.wait_gates_running(&calls).await;
    // The phase before the kills: every call is held by a replica and runs on B. Under this
    // load a call may already be on a later attempt (its first timed out); the split counts
    // holders, and the first attempts' failures are printed.
    let mut split = [0usize; 3];
    let mut retried = std::collections::BTreeMap::<String, usize>::new();
    for c in &calls {
        let state = h.call_state_on_a(&c.workflow_id).await;
        let Some((PendingActivityState::Started, attempt)) = state else {
            panic!("{} is not held by a bridge: {state:?}", c.workflow_id);
        };
        if attempt > 1 {
            let pending = h.pending_activities_on_a(&c.workflow_id).await;
            let why = pending
                .first()
                .and_then(|p| p.last_failure.as_ref())
                .map_or("?".to_owned(), |f| f.message.clone());
            *retried.entry(why).or_default() += 1;
        }
        let who = h.call_holder(&c.workflow_id).await.unwrap_or_default();
        let replica = replicas
            .iter()
            .position(|r| who.starts_with(&identity_of(r)))
            .unwrap_or_else(|| panic!("{} is held by {who}, not a replica", c.workflow_id));
        split[replica] += 1;
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            Some(WorkflowExecutionStatus::Running),
            "{} runs on B",
            c.remote_id
        );
    }
    assert!(
        split.iter().all(|&n| n > 0),
        "each replica serves some calls: {split:?}"
    );

    // SIGKILL two replicas mid-load: the third takes their calls over, and the first 200 gates
    // open once it holds every call.
    let killed = Instant::now();
    replicas[0].kill();
    replicas[1].kill();
    let survivor = identity_of(&replicas[2]);
    let taken_over = wait_held_by(&h, &calls, &survivor, Duration::from_secs(120)).await;
    for c in &calls {
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            Some(WorkflowExecutionStatus::Running),
            "{} still runs when the survivor holds it",
            c.remote_id
        );
    }
    let (first, rest) = calls.split_at(200);
    h.open_gates(first).await;
    let first_outcome = outcome(&h, first).await;
    let first_done = killed.elapsed();
    first_outcome.assert_exactly_once(first.len());

    // SIGTERM the survivor with 100 calls in flight: it drains for its 2 s grace period, exits,
    // and a replacement finishes them.
    let mut last = replicas.pop().expect("the survivor");
    last.terminate();
    let exited = tokio::task::spawn_blocking(move || last.wait_exit(Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(exited.success(), "the survivor exited with {exited}");
    let stopped = Instant::now();
    let replacement = h.spawn_bridge_process(BRIDGE);
    let handed_over = wait_held_by(
        &h,
        rest,
        &identity_of(&replacement),
        Duration::from_secs(120),
    )
    .await;
    for c in rest {
        assert_eq!(
            h.status_on_b(&c.remote_id).await,
            Some(WorkflowExecutionStatus::Running),
            "{} still runs when the replacement holds it",
            c.remote_id
        );
    }
    h.open_gates(rest).await;
    let rest_outcome = outcome(&h, rest).await;
    let rest_done = stopped.elapsed();
    println!(
        "RELIABILITY replicas calls={REPLICA_CALLS} split={split:?} retried_before_the_kills={retried:?} \
         taken_over_after_2_kills_s={:.1} \
         first_200_done_after_kills_s={:.1} ({}); handed_over_after_sigterm_s={:.1} \
         last_100_done_after_sigterm_s={:.1} ({})",
        taken_over.as_secs_f64(),
        first_done.as_secs_f64(),
        first_outcome.figure(first.len()),
        handed_over.as_secs_f64(),
        rest_done.as_secs_f64(),
        rest_outcome.figure(rest.len()),
    );
    rest_outcome.assert_exactly_once(rest.len());
    drop(replacement);
}

/// Waits until every call's bridge activity has failed at least once, and returns the last
/// failure message of each.
async fn wait_all_retrying(h: &Harness, calls: &[GateCall], timeout: Duration) -> Vec<String> {
    let mut messages = Vec::new();
    for c in calls {
        messages.push(h.wait_retried(&c.workflow_id, timeout).await);
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_b_down_for_30_s_with_50_calls_in_flight_loses_and_duplicates_nothing() {
    let _serial = SERIAL.lock().await;
    let mut h = Harness::start().await;
    let _bridge = h.spawn_bridge_process(BRIDGE);
    // 25 calls whose remote workflows run when B goes down...
    let running = h.start_gate_calls("outage-running", 25).await;
    h.wait_gates_running(&running).await;
    h.assert_held_and_running(&running, 1).await;
    let down_at = Instant::now();
    h.clusters.server_mut("b").stop();
    // ...and 25 whose starts are attempted while it is down.
    let starting = h.start_gate_calls("outage-starting", 25).await;
    let failures = wait_all_retrying(&h, &starting, Duration::from_secs(60)).await;
    // The outage's length is the scenario, not a race: every fault has landed by now.
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(down_at.elapsed())).await;
    let downtime = down_at.elapsed();
    h.clusters.server_mut("b").restart().await.unwrap();
    let back_at = Instant::now();

    let mut calls = running;
    calls.extend(starting);
    h.open_gates(&calls).await;
    let outcome = outcome(&h, &calls).await;
    println!(
        "RELIABILITY b-outage downtime={:.1}s calls=50 {} all_done_after_restart={:.1}s \
         failed_start_reads: {:?}",
        downtime.as_secs_f64(),
        outcome.figure(50),
        back_at.elapsed().as_secs_f64(),
        failures[0]
    );
    outcome.assert_exactly_once(50);
    assert!(
        failures
            .iter()
            .all(|m| m.contains("`b`") || m.contains("b ")),
        "failed starts name the cluster: {failures:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_a_restart_is_survived_without_restarting_the_bridge() {
    let _serial = SERIAL.lock().await;
    let mut h = Harness::start().await;
    let mut bridge = h.spawn_bridge_process(BRIDGE);
    warm_up(&h, "before-a-restart").await;
    let in_flight = h.start_gate_calls("a-restart", 1).await;
    h.wait_gates_running(&in_flight).await;
    h.assert_held_and_running(&in_flight, 1).await;

    let down_at = Instant::now();
    h.clusters.server_mut("a").stop();
    tokio::time::sleep(Duration::from_secs(10)).await;
    h.clusters.server_mut("a").restart().await.unwrap();
    let downtime = down_at.elapsed();

    // The call in flight during the outage, and a new one after it, both through the same
    // bridge process: it reconnected and resumed polling by itself.
    let after = h.start_gate_calls("a-restarted", 1).await;
    let mut calls = in_flight;
    calls.extend(after);
    h.open_gates(&calls).await;
    let outcome = outcome(&h, &calls).await;
    assert!(
        bridge.child.try_wait().unwrap().is_none(),
        "the bridge process is still the one that started"
    );
    println!(
        "RELIABILITY a-outage downtime={:.1}s {}",
        downtime.as_secs_f64(),
        outcome.figure(2)
    );
    outcome.assert_exactly_once(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_polling_finishes_short_calls_and_hands_long_ones_over() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let log = std::env::temp_dir().join(format!("bridge-drain-{}.log", std::process::id()));
    let mut first = h.spawn_bridge_process_logged(
        BRIDGE,
        &[
            ("TEST_BRIDGE_GRACE_MS", "20000"),
            ("RUST_LOG", "bridge_runtime=info"),
        ],
        &log,
    );
    // Five calls that end within the grace period, five that outlast it: the test opens the
    // first five's gates during the drain, the others' only after the bridge has exited.
    let calls = h.start_gate_calls("drain", 10).await;
    let (short, long) = calls.split_at(5);
    h.wait_gates_running(&calls).await;
    h.assert_held_and_running(&calls, 1).await;
    first.terminate();
    wait_for_line(&log, "stop requested", Duration::from_secs(30)).await;
    h.open_gates(short).await;
    // Scheduled during the drain. The SDK's polls that were already waiting on A end when A
    // hears of the stop, so in that instant the draining bridge may still receive it; either
    // way it must complete once.
    let late = h.start_gate_calls("drain-late", 1).await;
    let exited =
        tokio::task::spawn_blocking(move || (first.wait_exit(Duration::from_secs(60)), first))
            .await
            .unwrap()
            .0;
    assert!(exited.success(), "the first bridge exited with {exited}");
    let _ = std::fs::remove_file(&log);
    let _second = h.spawn_bridge_process(BRIDGE);
    h.open_gates(long).await;
    h.open_gates(&late).await;

    let short = outcome(&h, short).await;
    let long = outcome(&h, long).await;
    let late = outcome(&h, &late).await;
    println!(
        "RELIABILITY drain grace=20s short (opened while draining): {}; long (opened after the \
         exit): {}; scheduled during the drain: {}",
        short.figure(5),
        long.figure(5),
        late.figure(1)
    );
    short.assert_exactly_once(5);
    long.assert_exactly_once(5);
    late.assert_exactly_once(1);
    assert!(short.attempts.iter().all(|&a| a == 1), "drained: {short:?}");
    assert!(
        long.attempts.iter().all(|&a| a >= 2),
        "handed over: {long:?}"
    );
}

/// Seconds a call spent in each stage before its remote workflow ran: A's first workflow task
/// (caller started to bridge activity scheduled), the pickup (scheduled to started by the
/// bridge) and the start (picked up to the remote execution's start on B). Server clocks.
async fn stages(h: &Harness, workflow_id: &str, run_id: &str, remote_id: &str) -> [f64; 3] {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    macro_rules! at {
        ($t:expr) => {
            $t.map_or(0.0, |t| t.seconds as f64 + t.nanos as f64 / 1e9)
        };
    }
    let events = history(&h.a, workflow_id, run_id)
        .await
        .expect("history of A");
    let time_of = |pick: fn(&Attributes) -> bool| {
        events
            .iter()
            .find(|e| e.attributes.as_ref().is_some_and(pick))
            .map_or(0.0, |e| at!(e.event_time.as_ref()))
    };
    let started = at!(events.first().and_then(|e| e.event_time.as_ref()));
    let scheduled = time_of(|a| matches!(a, Attributes::ActivityTaskScheduledEventAttributes(_)));
    let picked_up = time_of(|a| matches!(a, Attributes::ActivityTaskStartedEventAttributes(_)));
    let on_b = describe(&h.b, remote_id)
        .await
        .workflow_execution_info
        .and_then(|i| i.start_time);
    [
        scheduled - started,
        picked_up - scheduled,
        at!(on_b.as_ref()) - picked_up,
    ]
}

/// When A or B closed `workflow_id`: the server's clock, not when a test saw it.
async fn close_time(
    client: &temporalio_client::Client,
    workflow_id: &str,
) -> std::time::SystemTime {
    let closed = describe(client, workflow_id)
        .await
        .workflow_execution_info
        .and_then(|i| i.close_time)
        .expect("close time");
    std::time::UNIX_EPOCH + Duration::new(closed.seconds as u64, closed.nanos as u32)
}

/// The reference for [`load`]: the same mix of remote workflows started straight on B by this
/// test, with no caller on A and no bridge. Returns the time from the first start to the last
/// close.
async fn direct_on_b(h: &Harness, n: usize) -> Duration {
    let started_at = std::time::SystemTime::now();
    let runs = (0..n).map(|i| async move {
        let id = format!("direct-{i}");
        let options = WorkflowStartOptions::new(B_QUEUE, &id).build();
        if i % 2 == 0 {
            h.b.start_workflow(SleepWorkflow::run, 10 + (i as u64 / 2 % 11), options)
                .await
                .expect("start on B");
        } else {
            h.b.start_workflow(NoopWorkflow::run, i as u32, options)
                .await
                .expect("start on B");
        }
        tokio::time::timeout(
            RESULT_TIMEOUT,
            h.b.get_workflow_handle::<UntypedWorkflow>(&id)
                .get_result(WorkflowGetResultOptions::default()),
        )
        .await
        .expect("no result in time")
        .expect("workflow on B failed");
        close_time(&h.b, &id).await
    });
    let closes: Vec<_> = stream::iter(runs).buffered(n).collect().await;
    let last = closes.into_iter().max().unwrap();
    last.duration_since(started_at).unwrap_or_default()
}

/// `n` bridged calls through one bridge process: half no-ops, half remote workflows of 10–20 s
/// (`10 + i % 11` seconds).
///
/// Measured: the wall time from the first start to the last result, the bridge's peak RSS, and
/// the most remote workflows running on B at once (sampled each second), which shows whether
/// the calls ran side by side or in waves. Results and execution counts are checked after.
/// Side by side on the same servers: [`direct_on_b`], the floor no bridge can beat.
async fn load(n: usize) {
    let h = Harness::start_with_args(&FAST_DISPATCH_SERVER_ARGS).await;
    let direct = direct_on_b(&h, n).await;
    let bridge = h.spawn_bridge_process(BRIDGE);
    warm_up(&h, "load").await;
    let sleepers = n / 2;
    let secs_of = |i: usize| 10 + (i as u64 % 11);
    // (workflow id, expected result as JSON, is a sleeper)
    let calls: Vec<(String, serde_json::Value, bool)> = (0..n)
        .map(|i| {
            if i % 2 == 0 && i / 2 < sleepers {
                let secs = secs_of(i / 2);
                (
                    format!("load-sleep-{i}"),
                    format!("slept {secs}").into(),
                    true,
                )
            } else {
                (format!("load-noop-{i}"), (i as u32).into(), false)
            }
        })
        .collect();

    let started_at = std::time::SystemTime::now();
    let peak_running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sampler = tokio::spawn({
        let (b, peak) = (h.b.clone(), peak_running.clone());
        async move {
            loop {
                match b
                    .count_workflows("ExecutionStatus = 'Running'", Default::default())
                    .await
                {
                    Ok(c) => {
                        peak.fetch_max(c.count(), std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(e) => eprintln!("count of running workflows on B: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
    let runs = calls.iter().enumerate().map(|(i, (id, _, sleeper))| {
        let h = &h;
        async move {
            let options = WorkflowStartOptions::new(A_QUEUE, id).build();
            let handle = if *sleeper {
                let secs = secs_of(i / 2);
                h.a.start_workflow(SleepCallerWorkflow::run, secs, options)
                    .await
                    .expect("start on A")
                    .run_id()
                    .map(str::to_owned)
            } else {
                h.a.start_workflow(BridgedNoopCallerWorkflow::run, i as u32, options)
                    .await
                    .expect("start on A")
                    .run_id()
                    .map(str::to_owned)
            };
            let run_id = handle.expect("run id");
            let result = tokio::time::timeout(
                RESULT_TIMEOUT,
                h.a.get_workflow_handle::<UntypedWorkflow>(id)
                    .get_result(WorkflowGetResultOptions::default()),
            )
            .await
            .expect("no result in time")
            .expect("workflow on A failed");
            let value: serde_json::Value =
                serde_json::from_slice(&result.payloads[0].data).expect("a JSON result");
            (run_id, value)
        }
    });
    let results: Vec<_> = stream::iter(runs).buffered(n).collect().await;
    sampler.abort();
    let peak_running = peak_running.load(std::sync::atomic::Ordering::Relaxed);
    let rss_mib = bridge.peak_rss_kib() as f64 / 1024.0;

    let checks = calls
        .iter()
        .zip(&results)
        .map(|((id, expected, _), (run_id, got))| {
            let h = &h;
            async move {
                let remote_id = h
                    .remote_id_of_call(id, run_id, 0, Duration::from_secs(5))
                    .await;
                let closed = close_time(&h.a, id).await;
                let executions = count_executions(&h.b, &remote_id).await.unwrap();
                let stages = stages(h, id, run_id, &remote_id).await;
                (got == expected, executions, closed, stages)
            }
        });
    let checked: Vec<_> = stream::iter(checks).buffer_unordered(32).collect().await;
    let correct = checked.iter().filter(|(ok, ..)| *ok).count();
    let once = checked.iter().filter(|(_, n, ..)| *n == 1).count();
    let last_close = checked.iter().map(|(_, _, at, _)| *at).max().unwrap();
    let wall = last_close.duration_since(started_at).unwrap_or_default();
    for (k, name) in [
        "A: caller started -> bridge activity scheduled",
        "A: scheduled -> picked up by the bridge",
        "bridge picked up -> remote workflow started on B",
    ]
    .iter()
    .enumerate()
    {
        let mut v: Vec<f64> = checked.iter().map(|c| c.3[k]).collect();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        println!(
            "RELIABILITY load-stage {name}: p50={:.2}s p95={:.2}s max={:.2}s",
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
    println!(
        "RELIABILITY load-reference the same {n} workflows started directly on B (no A, no \
         bridge): wall={:.1}s; bridged/direct={:.2}",
        direct.as_secs_f64(),
        wall.as_secs_f64() / direct.as_secs_f64()
    );
    println!(
        "RELIABILITY load calls={n} (half no-ops, half 10-20 s) wall={:.1}s \
         longest_remote=20s wall/longest={:.2} peak_running_on_b={peak_running} \
         bridge_peak_rss={rss_mib:.1}MiB correct={correct}/{n} exactly_once={once}/{n}",
        wall.as_secs_f64(),
        wall.as_secs_f64() / 20.0,
    );
    assert_eq!(correct, n, "every call returned its own result");
    assert_eq!(once, n, "every call has exactly one remote execution");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_200_mixed_calls_through_one_bridge() {
    let _serial = SERIAL.lock().await;
    load(200).await;
}

/// The full load: `cargo test --release -p temporal-bridge-tests --test reliability -- --ignored
/// --nocapture` (documented in the README and docs/RELIABILITY.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "heavy: 1,000 calls, about 2 minutes; run with --ignored"]
async fn load_1000_mixed_calls_through_one_bridge() {
    let _serial = SERIAL.lock().await;
    load(1000).await;
}

/// Runs a [`ForgedCallerWorkflow`] and returns what its bridge activity reported, with A's run id.
async fn forged(h: &Harness, kind: &str) -> (String, String) {
    let id = format!("forged-{kind}");
    run_on_a(h, ForgedCallerWorkflow::run, kind.to_owned(), &id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_or_steering_inputs_are_refused_at_once_and_the_bridge_keeps_serving() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let mut bridge = h.spawn_bridge_process(BRIDGE);
    for (kind, names) in [
        (
            "wrong-shape",
            vec!["Probe.keyed_echo", "missing field `tag`", "KeyedRequest"],
        ),
        (
            "wrong-count",
            vec!["Probe.sleep", "2 argument payload(s)", "u64"],
        ),
        ("routing-header", vec!["workflow_type"]),
    ] {
        let (seen, run_id) = forged(&h, kind).await;
        println!("RELIABILITY bad-input {kind}: {seen}");
        assert!(seen.starts_with("BridgeBadPayload: "), "{kind}: {seen}");
        for name in names {
            assert!(seen.contains(name), "{kind} names `{name}`: {seen}");
        }
        let call = &scheduled_activities(&h.a, &format!("forged-{kind}"), &run_id)
            .await
            .unwrap()[0];
        assert_eq!(
            call.started_attempt,
            Some(1),
            "{kind} not retried: {call:?}"
        );
    }
    let on_b =
        h.b.count_workflows("", Default::default())
            .await
            .unwrap()
            .count();
    assert_eq!(on_b, 0, "nothing reached cluster B");
    assert!(
        bridge.child.try_wait().unwrap().is_none(),
        "the bridge is up"
    );
    warm_up(&h, "after-bad-input").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_destination_is_retried_naming_it_and_nothing_is_lost() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    // Port 1 on loopback refuses every connection.
    let mut wrong = h.spawn_bridge_process_with(
        BRIDGE,
        &[("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS", "127.0.0.1:1")],
    );
    let calls = h.start_gate_calls("unreachable", 1).await;
    let failures = wait_all_retrying(&h, &calls, Duration::from_secs(60)).await;
    println!("RELIABILITY bad-input unreachable: {}", failures[0]);
    assert!(
        failures[0].contains("`b`") && failures[0].contains("127.0.0.1:1"),
        "names the cluster and its address: {failures:?}"
    );
    assert!(
        wrong.child.try_wait().unwrap().is_none(),
        "the bridge is up"
    );
    wrong.kill();
    let _right = h.spawn_bridge_process(BRIDGE);
    h.open_gates(&calls).await;
    outcome(&h, &calls).await.assert_exactly_once(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_or_incomplete_config_files_stop_the_bridge_naming_the_culprit() {
    let dir = std::env::temp_dir().join(format!("bridge-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "unquoted.toml",
            "[clusters.a]\naddress = \"127.0.0.1:7233\"\n[clusters.b]\naddress = 127.0.0.1:7234\n",
            vec!["unquoted.toml", "line 4"],
        ),
        (
            "typo.toml",
            "[clusters.a]\naddress = \"127.0.0.1:7233\"\nadress = \"x\"\n",
            vec!["typo.toml", "adress"],
        ),
        (
            "missing-b.toml",
            "[clusters.a]\naddress = \"127.0.0.1:7233\"\n",
            vec!["`b`", "Probe"],
        ),
        (
            "no-address.toml",
            "[clusters.a]\naddress = \"127.0.0.1:7233\"\n[clusters.b]\nnamespace = \"x\"\n",
            vec!["`b`", "address"],
        ),
    ];
    for (file, text, names) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new(BRIDGE)
            .arg("--config")
            .arg(&path)
            .env_remove("TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS")
            .env_remove("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("RELIABILITY bad-config {file}: {}", stderr.trim());
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        for name in names {
            assert!(stderr.contains(name), "{file} names `{name}`: {stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_at_and_over_the_cap_and_with_unusual_characters_reach_b_and_attach() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let prefix = "keyed-echo-";
    let at_cap = "k".repeat(DEFAULT_MAX_ID_LEN - prefix.len());
    let over_cap = "k".repeat(DEFAULT_MAX_ID_LEN - prefix.len() + 1);
    let unusual = "ünï/cødé 日本 🚀 'q\" %20#?&*\\ tab\there".to_owned();
    for (name, key) in [
        ("at-cap", at_cap),
        ("over-cap", over_cap),
        ("unusual", unusual),
    ] {
        let expected = finalize_id(&format!("{prefix}{key}"), DEFAULT_MAX_ID_LEN);
        let mut seen = Vec::new();
        for caller in 0..2 {
            let handle =
                h.a.start_workflow(
                    KeyedEchoCallerWorkflow::run,
                    KeyedRequest {
                        key: key.clone(),
                        tag: format!("{name}-{caller}"),
                    },
                    WorkflowStartOptions::new(A_QUEUE, format!("ids-{name}-{caller}")).build(),
                )
                .await
                .unwrap();
            seen.push(result_of(&handle).await);
        }
        println!(
            "RELIABILITY ids {name}: key {} chars -> remote id {} chars",
            key.chars().count(),
            expected.chars().count()
        );
        assert!(expected.len() <= DEFAULT_MAX_ID_LEN, "{name}");
        if name == "at-cap" {
            assert_eq!(
                expected,
                format!("{prefix}{key}"),
                "an id at the cap is kept"
            );
        }
        for echo in &seen {
            assert_eq!(echo.remote_workflow_id, expected, "{name}");
            assert_eq!(echo.tag, format!("{name}-0"), "the second caller attached");
        }
        assert_eq!(
            count_executions(&h.b, &expected).await.unwrap(),
            1,
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_from_configuration_never_appear_in_the_bridge_logs() {
    let _serial = SERIAL.lock().await;
    let h = Harness::start().await;
    let log = std::env::temp_dir().join(format!("bridge-secrets-{}.log", std::process::id()));
    let (key_a, key_b) = ("sk-source-4f1c9e27d0", "sk-destination-8a2b6d13f5");
    let mut bridge = h.spawn_bridge_process_logged(
        BRIDGE,
        &[
            ("RUST_LOG", "debug"),
            ("TEMPORAL_BRIDGE_CLUSTER_A_API_KEY", key_a),
            ("TEMPORAL_BRIDGE_CLUSTER_B_API_KEY", key_b),
        ],
        &log,
    );
    // A call that succeeds, one refused for its input, one with an unreachable target.
    warm_up(&h, "with-api-keys").await;
    let _ = forged(&h, "wrong-shape").await;
    let gated = h.start_gate_calls("secrets", 1).await;
    h.open_gates(&gated).await;
    outcome(&h, &gated).await.assert_exactly_once(1);
    bridge.kill();

    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    println!(
        "RELIABILITY secrets: {} log lines at debug, api keys found: {}",
        text.lines().count(),
        text.contains(key_a) || text.contains(key_b)
    );
    assert!(
        text.contains("remote workflow completed") && text.contains("call refused"),
        "the log holds the calls' lines (else this test proves nothing): {text}"
    );
    for key in [key_a, key_b] {
        assert!(!text.contains(key), "api key `{key}` leaked into the log");
        // Nor any recognisable part of it.
        assert!(!text.contains(&key[3..15]), "part of `{key}` leaked");
    }
}
