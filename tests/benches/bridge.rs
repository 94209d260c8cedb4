//! `cargo bench --bench bridge`: what the bridge costs, measured side by side in one run.
//!
//! Starts two local clusters with the test kit and a bridge process (the `test-bridge` binary),
//! then measures, each case interleaved with its baseline after a warm-up:
//! 1. overhead: a workflow on A making a bridged call to a no-op workflow on B, against the same
//!    workflow calling a no-op activity on another task queue of A; and the bridge's own added
//!    time from event timestamps;
//! 2. the same bridged call with the wait done by sleep-polling DescribeWorkflowExecution every
//!    1 s and 5 s (a naive bridge that exists only here);
//! 3. throughput of 200 concurrent calls, and the bridge process's share of all CPU used;
//! 4. capacity: 1,000 concurrent calls to remote workflows that wait 20 s on a timer;
//! 5. macro cost: `cargo check` of a crate with a 50-method `#[bridge]` trait;
//! 6. long waits: the requests on A's frontend (its own Prometheus counters) while 1,000 calls
//!    wait on remote workflows that block on a signal, against the same calls never handed over
//!    to a long wait; the bridge's RSS meanwhile; the time from releasing them to the last
//!    result; a cancellation's way to B from a long wait; and the takeover time after a SIGKILL
//!    of a bridge that holds calls not yet started on B, and calls in a long wait.
//!
//! Prints a table with PASS/FAIL against the targets and writes `target/bench/bridge.json`.
//! `BENCH_SAMPLES` (default 40), `BENCH_CAPACITY` (default 1000) and `BENCH_WAITING` (default
//! 1000) shrink a run for a smoke test.

use bridge_runtime::testing::LocalClusters;
use futures::future::join_all;
use serde_json::{Value, json};
use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};
#[path = "bridge/long_waits.rs"]
mod long_waits;

use temporal_bridge_tests::{
    A_QUEUE, B_QUEUE, BridgedNoopCallerWorkflow, Harness, LocalNoopCallerWorkflow, NaiveCall,
    NaiveCallerWorkflow, NoopWorkflow, SleepCallerWorkflow, SleepWorkflow,
};
use temporalio_client::{Client, WorkflowStartOptions};
use temporalio_common::{
    HasWorkflowDefinition,
    protos::temporal::api::history::v1::{HistoryEvent, history_event::Attributes},
};

const BRIDGE: &str = env!("CARGO_BIN_EXE_test-bridge");

// Both clusters get `FAST_DISPATCH_SERVER_ARGS` unless `BENCH_SERVER_ARGS` is set (set it
// empty for the dev server's defaults). Without it, a dev server's single history shard made a
// no-op activity call on A take 146 ms instead of 26 ms, which hid what the bridge costs; a
// production cluster spreads its workflows over hundreds of shards and rarely meets that limit.

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run() {
    let samples = env_usize("BENCH_SAMPLES", 40);
    let cases = std::env::var("BENCH_CASES").unwrap_or_else(|_| "1,2,3,4,5,6".into());
    let on = |case: &str| cases.split(',').any(|c| c.trim() == case);
    let capacity = env_usize("BENCH_CAPACITY", 1000);
    let started = Instant::now();
    let server_args = std::env::var("BENCH_SERVER_ARGS")
        .unwrap_or_else(|_| temporal_bridge_tests::FAST_DISPATCH_SERVER_ARGS.join(" "));
    let h = Harness::start_with_args(&server_args.split_whitespace().collect::<Vec<_>>()).await;
    let bridge = h.spawn_bridge_process(BRIDGE);
    let bridge_pid = bridge.child.id();
    let mut report = Report::default();
    // Case 1's baseline p50, which case 2's ratios are defined against.
    let mut baseline_p50 = f64::NAN;
    report.machine();
    report.note("server_args", &server_args);

    eprintln!("warm-up ...");
    for i in 0..5 {
        call(&h.a, BridgedNoopCallerWorkflow::run, i, "warm-b", i).await;
        call(&h.a, LocalNoopCallerWorkflow::run, i, "warm-l", i).await;
    }

    if on("1") {
        // 1. Overhead.
        eprintln!("case 1: overhead, {samples} samples each, interleaved ...");
        let mut c = OverheadSamples::default();
        for i in 0..samples as u32 {
            let (t, id, run) = call(&h.a, BridgedNoopCallerWorkflow::run, i, "ovh-b", i).await;
            c.bridged.push(t);
            let parts = added_ms(&h, &id, &run).await;
            c.added.push(parts.added);
            c.start_gap.push(parts.start_gap);
            c.finish_gap.push(parts.finish_gap);
            c.remote_run.push(parts.remote_run);
            let (t, lid, lrun) = call(&h.a, LocalNoopCallerWorkflow::run, i, "ovh-l", i).await;
            c.local.push(t);
            c.activity_own
                .push(activity_own_ms(&h.a, &lid, &lrun).await);
            let (start_rpc, result_rpc) = rpc_floor(&h.b, i).await;
            c.start_rpc.push(start_rpc);
            c.result_rpc.push(result_rpc);
            if std::env::var_os("BENCH_TIMELINE").is_some() && (i < 2 || i + 2 >= samples as u32) {
                timeline(&h.a, &id, &run).await;
                timeline(&h.a, &lid, &lrun).await;
            }
        }
        let (b, l, a) = (
            Stats::of(&c.bridged),
            Stats::of(&c.local),
            Stats::of(&c.added),
        );
        let (remote, own) = (Stats::of(&c.remote_run), Stats::of(&c.activity_own));
        let (srpc, rrpc) = (Stats::of(&c.start_rpc), Stats::of(&c.result_rpc));
        report.latency("bridged call (long-poll)", &b);
        report.latency("baseline: activity on A", &l);
        report.latency("bridge's own added time", &a);
        report.latency(
            "  of which: A activity start -> B start",
            &Stats::of(&c.start_gap),
        );
        report.latency(
            "  of which: B close -> A activity done",
            &Stats::of(&c.finish_gap),
        );
        report.latency("no-op workflow's run on B", &remote);
        report.latency("no-op activity's own time on A", &own);
        report.latency("StartWorkflowExecution on B (client)", &srpc);
        report.latency("result of a closed workflow on B", &rrpc);
        baseline_p50 = l.p50;
        report.value("overhead_ratio_p50", b.p50 / l.p50, Some((1.10, true)));
        // What no bridge can avoid: the baseline, the remote workflow's own run, and the two
        // round trips to B (start, result).
        let floor = l.p50 + remote.p50 + srpc.p50 + rrpc.p50;
        report.value("floor_ms_p50", floor, None);
        report.value("floor_ratio_p50", floor / l.p50, None);
        report.value("bridged_over_floor_p50", b.p50 / floor, None);
        report.value("added_ms_p50", a.p50, Some((10.0, true)));
        report.value("added_beyond_activity_ms_p50", a.p50 - own.p50, None);
    }

    if on("2") {
        // 2. Polling references.
        for (field, poll_ms, n) in [
            ("poll1s_ratio_p50", 1000u64, samples.min(10)),
            ("poll5s_ratio_p50", 5000u64, samples.min(4)),
        ] {
            eprintln!("case 2: naive bridge polling every {poll_ms} ms, {n} samples ...");
            let (mut naive, mut base) = (Vec::new(), Vec::new());
            for i in 0..n as u32 {
                let input = NaiveCall { n: i, poll_ms };
                let (t, _, _) = call(
                    &h.a,
                    NaiveCallerWorkflow::run,
                    input,
                    &format!("naive{poll_ms}"),
                    i,
                )
                .await;
                naive.push(t);
                let (t, lid, lrun) = call(
                    &h.a,
                    LocalNoopCallerWorkflow::run,
                    i,
                    &format!("naive{poll_ms}-l"),
                    i,
                )
                .await;
                base.push(t);
                if std::env::var_os("BENCH_TIMELINE").is_some() && i < 2 {
                    timeline(&h.a, &lid, &lrun).await;
                }
            }
            let (nv, bs) = (Stats::of(&naive), Stats::of(&base));
            report.latency(&format!("naive bridge, {poll_ms} ms describe-poll"), &nv);
            report.latency("  baseline interleaved with it", &bs);
            // The issue defines these ratios against case 1's baseline.
            report.value(field, nv.p50 / baseline_p50, None);
        }
    }

    if on("3") {
        // 3. Throughput and CPU share.
        eprintln!("case 3: 200 concurrent calls, bridged then local ...");
        let mut pids = vec![std::process::id(), bridge_pid];
        pids.extend(server_pids(&h.clusters));
        let cpu_before = cpu_ticks(&pids);
        let bridged_wall = burst(&h.a, || BridgedNoopCallerWorkflow::run, 200, "tp-b").await;
        let cpu_after = cpu_ticks(&pids);
        let local_wall = burst(&h.a, || LocalNoopCallerWorkflow::run, 200, "tp-l").await;
        let total: u64 = cpu_after.iter().zip(&cpu_before).map(|(a, b)| a - b).sum();
        let bridge_cpu = cpu_after[1] - cpu_before[1];
        report.value("throughput_bridged_per_s", 200.0 / bridged_wall, None);
        report.value("throughput_local_per_s", 200.0 / local_wall, None);
        report.value(
            "throughput_ratio",
            local_wall / bridged_wall,
            Some((0.8, false)),
        );
        report.value(
            "bridge_cpu_share",
            bridge_cpu as f64 / total.max(1) as f64,
            Some((0.10, true)),
        );
    }

    if on("4") {
        // 4. Capacity.
        eprintln!("case 4: {capacity} concurrent calls to 20 s remote workflows ...");
        // Reference first: the same remote workflows started on B directly, with neither A nor
        // the bridge involved: what the dev server on this machine needs for them alone.
        let servers = server_pids(&h.clusters);
        let cpu_before = cpu_ticks(&servers);
        let t = Instant::now();
        let direct = join_all((0..capacity).map(|i| {
            let b = h.b.clone();
            async move {
                b.start_workflow(
                    SleepWorkflow::run,
                    20u64,
                    WorkflowStartOptions::new(B_QUEUE, format!("direct-{i}")).build(),
                )
                .await
                .expect("start on B")
            }
        }))
        .await;
        join_all(direct.iter().map(|h| h.get_result(Default::default()))).await;
        if std::env::var_os("BENCH_TIMELINE").is_some() {
            phases(&h.b, (0..capacity).map(|i| format!("direct-{i}"))).await;
        }
        let direct_wall = t.elapsed().as_secs_f64();
        let cpu_after = cpu_ticks(&servers);
        report.value(
            &format!("inflight_{capacity}_direct_on_b_wall_s"),
            direct_wall,
            None,
        );
        // CPU seconds of B's server per wall second: below 1 core, so it is not the CPU but
        // the server's one history shard and one SQLite writer that set the pace.
        report.value(
            "direct_on_b_server_cores",
            (cpu_after[1] - cpu_before[1]) as f64 / clock_ticks() / direct_wall,
            None,
        );

        let t = Instant::now();
        let handles = join_all((0..capacity).map(|i| {
            let a = h.a.clone();
            async move {
                a.start_workflow(
                    SleepCallerWorkflow::run,
                    20u64,
                    WorkflowStartOptions::new(A_QUEUE, format!("cap-{i}")).build(),
                )
                .await
                .expect("start")
            }
        }))
        .await;
        let all_started = t.elapsed().as_secs_f64();
        let results = join_all(handles.iter().map(|h| h.get_result(Default::default()))).await;
        let wall = t.elapsed().as_secs_f64();
        if std::env::var_os("BENCH_TIMELINE").is_some() {
            phases(&h.a, (0..capacity).map(|i| format!("cap-{i}"))).await;
        }
        let ok = results
            .iter()
            .filter(|r| matches!(r, Ok(s) if s == "slept 20"))
            .count();
        assert_eq!(ok, capacity, "every capacity call completes correctly");
        // Where the time went, per call, from event timestamps: the bridge picking the call up
        // on A, its start RPC to B, and the remote workflow waiting for B's first task dispatch.
        let (mut pickup, mut start_rpc, mut b_dispatch) = (Vec::new(), Vec::new(), Vec::new());
        for (i, handle) in handles.iter().enumerate() {
            let (id, run) = (format!("cap-{i}"), handle.run_id().unwrap_or_default());
            let events = history(&h.a, &id, run).await;
            let started = event_ms(&events, is_activity_started);
            pickup.push(started - event_ms(&events, is_activity_scheduled));
            let remote_id = h
                .remote_id_of_call(&id, run, 0, Duration::from_secs(5))
                .await;
            let remote = history(&h.b, &remote_id, "").await;
            let b_started = remote.first().map(ms).unwrap_or_default();
            start_rpc.push(b_started - started);
            b_dispatch.push((event_ms(&remote, is_workflow_task_started) - b_started) / 1000.0);
        }
        let (pickup, start_rpc, b_dispatch) = (
            Stats::of(&pickup),
            Stats::of(&start_rpc),
            Stats::of(&b_dispatch),
        );
        report.value("inflight_bridge_pickup_ms_p50", pickup.p50, None);
        report.value("inflight_bridge_pickup_ms_p95", pickup.p95, None);
        report.value("inflight_start_rpc_ms_p50", start_rpc.p50, None);
        report.value("inflight_b_first_task_wait_s_p50", b_dispatch.p50, None);
        report.value("inflight_b_first_task_wait_s_p95", b_dispatch.p95, None);
        report.value(
            &format!("inflight_{capacity}_a_starts_s"),
            all_started,
            None,
        );
        report.value(
            &format!("inflight_{capacity}_wall_s"),
            wall,
            Some((30.0, true)),
        );
        report.value(
            &format!("inflight_{capacity}_rss_mb"),
            peak_rss_mb(bridge_pid),
            Some((64.0, true)),
        );
    }

    drop(bridge);

    if on("6") {
        long_waits::run(&h, &mut report, env_usize("BENCH_WAITING", 1000)).await;
    }
    drop(h);

    if on("5") {
        // 5. Macro cost.
        eprintln!("case 5: cargo check of a 50-method #[bridge] trait ...");
        let (with, without) = macro_cost(50);
        report.value("expand_check_s_50", with, None);
        report.value("expand_check_plain_s_50", without, None);
        report.value("expand_check_ratio_50", with / without, Some((1.5, true)));
    }

    report.value("bench_wall_s", started.elapsed().as_secs_f64(), None);
    report.finish();
}

/// Starts a workflow on A, waits for it; returns (ms, workflow id, run id).
async fn call<W>(a: &Client, wf: W, input: W::Input, prefix: &str, i: u32) -> (f64, String, String)
where
    W: HasWorkflowDefinition,
    W::Input: Send,
{
    let id = format!("{prefix}-{i}");
    let t = Instant::now();
    let handle = a
        .start_workflow(
            wf,
            input,
            WorkflowStartOptions::new(A_QUEUE, id.clone()).build(),
        )
        .await
        .expect("start");
    handle
        .get_result(Default::default())
        .await
        .expect("workflow result");
    let run = handle.run_id().unwrap_or_default().to_owned();
    (t.elapsed().as_secs_f64() * 1000.0, id, run)
}

/// Starts `n` workflows at once and waits for all; returns the wall time in seconds.
async fn burst<W>(a: &Client, wf: fn() -> W, n: u32, prefix: &str) -> f64
where
    W: HasWorkflowDefinition,
    W::Input: Send + From<u32>,
{
    let t = Instant::now();
    join_all((0..n).map(|i| {
        let (a, id) = (a.clone(), format!("{prefix}-{i}"));
        async move {
            let handle = a
                .start_workflow(
                    wf(),
                    i.into(),
                    WorkflowStartOptions::new(A_QUEUE, id).build(),
                )
                .await
                .expect("start");
            handle.get_result(Default::default()).await.expect("result");
        }
    }))
    .await;
    t.elapsed().as_secs_f64()
}

async fn history(client: &Client, workflow_id: &str, run_id: &str) -> Vec<HistoryEvent> {
    bridge_runtime::testing::history(client, workflow_id, run_id)
        .await
        .expect("history")
}

async fn timeline(client: &Client, workflow_id: &str, run_id: &str) {
    let events = history(client, workflow_id, run_id).await;
    let t0 = events.first().map(ms).unwrap_or_default();
    let mut line = format!("{workflow_id}:");
    for e in &events {
        let _ = write!(line, " {:?}@{:.1}", e.event_type(), ms(e) - t0);
    }
    eprintln!("{line}");
}

/// Prints, over many executions, when each phase began relative to the earliest start.
async fn phases(client: &Client, ids: impl Iterator<Item = String>) {
    use std::collections::BTreeMap;
    let mut by_type: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut t0 = f64::MAX;
    for id in ids {
        let events = history(client, &id, "").await;
        let mut seen = std::collections::HashSet::new();
        for e in &events {
            let name = format!("{:?}", e.event_type());
            if seen.insert(name.clone()) {
                t0 = t0.min(ms(e));
                by_type.entry(name).or_default().push(ms(e));
            }
        }
    }
    for (name, v) in by_type {
        let s = Stats::of(&v.iter().map(|x| (x - t0) / 1000.0).collect::<Vec<_>>());
        eprintln!(
            "  first {name:<40} n={:>5} min {:>6.1}s p50 {:>6.1}s p95 {:>6.1}s",
            v.len(),
            s.min,
            s.p50,
            s.p95
        );
    }
}

fn ms(ev: &HistoryEvent) -> f64 {
    ev.event_time
        .as_ref()
        .map(|t| t.seconds as f64 * 1000.0 + t.nanos as f64 / 1e6)
        .unwrap_or_default()
}

/// Per-sample figures of case 1, in ms.
#[derive(Default)]
struct OverheadSamples {
    bridged: Vec<f64>,
    local: Vec<f64>,
    added: Vec<f64>,
    start_gap: Vec<f64>,
    finish_gap: Vec<f64>,
    remote_run: Vec<f64>,
    activity_own: Vec<f64>,
    start_rpc: Vec<f64>,
    result_rpc: Vec<f64>,
}

/// Parts of one bridged call, in ms, from event timestamps.
struct AddedParts {
    added: f64,
    start_gap: f64,
    finish_gap: f64,
    remote_run: f64,
}

fn event_ms(events: &[HistoryEvent], pred: fn(&Attributes) -> bool) -> f64 {
    events
        .iter()
        .find(|e| e.attributes.as_ref().is_some_and(pred))
        .map(ms)
        .expect("event in history")
}

fn is_activity_started(a: &Attributes) -> bool {
    matches!(a, Attributes::ActivityTaskStartedEventAttributes(_))
}

fn is_activity_scheduled(a: &Attributes) -> bool {
    matches!(a, Attributes::ActivityTaskScheduledEventAttributes(_))
}

fn is_workflow_task_started(a: &Attributes) -> bool {
    matches!(a, Attributes::WorkflowTaskStartedEventAttributes(_))
}

fn is_activity_completed(a: &Attributes) -> bool {
    matches!(a, Attributes::ActivityTaskCompletedEventAttributes(_))
}

/// An activity's started-to-completed time on A: what every activity pays for its delivery to
/// the worker and its completion report, here for a no-op.
async fn activity_own_ms(a: &Client, workflow_id: &str, run_id: &str) -> f64 {
    let events = history(a, workflow_id, run_id).await;
    event_ms(&events, is_activity_completed) - event_ms(&events, is_activity_started)
}

/// The two round trips to B that any bridge makes, timed from this process: starting a no-op
/// workflow, and reading the result of one that has closed.
async fn rpc_floor(b: &Client, i: u32) -> (f64, f64) {
    let t = Instant::now();
    let handle = b
        .start_workflow(
            NoopWorkflow::run,
            i,
            WorkflowStartOptions::new(B_QUEUE, format!("floor-{i}")).build(),
        )
        .await
        .expect("start on B");
    let start = t.elapsed().as_secs_f64() * 1000.0;
    handle.get_result(Default::default()).await.expect("result");
    let t = Instant::now();
    handle.get_result(Default::default()).await.expect("result");
    (start, t.elapsed().as_secs_f64() * 1000.0)
}

/// The bridge activity's started-to-completed time on A, minus the remote workflow's
/// started-to-closed time on B: what the bridge itself added. Also its two parts: A's activity
/// start to B's workflow start (the start RPC), and B's close to A's activity completion (the
/// long-poll's answer and the completion report). Both servers share this machine's clock.
async fn added_ms(h: &Harness, workflow_id: &str, run_id: &str) -> AddedParts {
    let events = history(&h.a, workflow_id, run_id).await;
    let started = event_ms(&events, is_activity_started);
    let completed = event_ms(&events, is_activity_completed);
    let remote_id = h
        .remote_id_of_call(workflow_id, run_id, 0, Duration::from_secs(5))
        .await;
    let remote = history(&h.b, &remote_id, "").await;
    let (first, last) = (
        remote.first().map(ms).unwrap_or_default(),
        remote.last().map(ms).unwrap_or_default(),
    );
    AddedParts {
        added: (completed - started) - (last - first),
        start_gap: first - started,
        finish_gap: completed - last,
        remote_run: last - first,
    }
}

fn server_pids(clusters: &LocalClusters) -> Vec<u32> {
    ["a", "b"]
        .iter()
        .filter_map(|n| clusters.server(n).pid())
        .collect()
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat` CPU times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of each process, in clock ticks.
fn cpu_ticks(pids: &[u32]) -> Vec<u64> {
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let f: Vec<&str> = rest.split_whitespace().collect();
            let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            get(11) + get(12) // utime, stime (fields 14 and 15 of the full line)
        })
        .collect()
}

/// Peak resident set (VmHWM) of a process, in MiB.
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// `cargo check` time after touching a crate with an `n`-method `#[bridge]` trait, and of the
/// same crate with the attributes removed. Best of three each.
fn macro_cost(n: usize) -> (f64, f64) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned();
    let root = workspace.join("target/bench/macro-cost");
    let write_crate = |name: &str, bridged: bool| -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"macro-cost-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\nbridge-runtime = {{ path = \"{}\" }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\n\
                 [workspace]\n",
                workspace.join("bridge-runtime").display()
            ),
        )
        .unwrap();
        let _ = std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock"));
        let mut src = String::from(
            "#[derive(serde::Serialize, serde::Deserialize)]\npub struct Order { pub id: String }\n\
             #[derive(serde::Serialize, serde::Deserialize)]\npub struct Shipment { pub id: String }\n",
        );
        src.push_str(if bridged {
            "#[bridge_runtime::bridge]\n"
        } else {
            "#[allow(async_fn_in_trait)]\n"
        });
        src.push_str("pub trait Wide {\n");
        for i in 0..n {
            if bridged {
                src.push_str("    #[remote_workflow(cluster = \"b\", queue = \"q\")]\n");
            }
            let _ = writeln!(src, "    async fn method_{i}(order: Order) -> Shipment;");
        }
        src.push_str("}\n");
        std::fs::write(dir.join("src/lib.rs"), src).unwrap();
        dir
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = root.join("target");
    let check = |dir: &Path| -> f64 {
        let t = Instant::now();
        let status = Command::new(&cargo)
            .args(["check", "--quiet", "--offline"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("run cargo check");
        assert!(status.success(), "cargo check failed in {}", dir.display());
        t.elapsed().as_secs_f64()
    };
    let touch = |dir: &Path| {
        let lib = dir.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(&lib, text).unwrap();
    };
    let (with, without) = (write_crate("bridged", true), write_crate("plain", false));
    check(&with); // builds the dependencies once; not timed
    check(&without);
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        touch(&with);
        best.0 = best.0.min(check(&with));
        touch(&without);
        best.1 = best.1.min(check(&without));
    }
    best
}

struct Stats {
    p50: f64,
    p95: f64,
    min: f64,
}

impl Stats {
    fn of(xs: &[f64]) -> Stats {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
        Stats {
            p50: at(0.5),
            p95: at(0.95),
            min: v[0],
        }
    }
}

#[derive(Default)]
struct Report {
    json: serde_json::Map<String, Value>,
    lines: Vec<String>,
}

impl Report {
    fn machine(&mut self) {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        self.json.insert("cores".into(), json!(cores));
        self.lines.push(format!("machine: {cores} cores"));
    }

    fn note(&mut self, field: &str, text: &str) {
        self.lines.push(format!("{field}: {text}"));
        self.json.insert(field.to_owned(), json!(text));
    }

    fn latency(&mut self, name: &str, s: &Stats) {
        self.lines.push(format!(
            "{name:<42} p50 {:>8.1} ms   p95 {:>8.1} ms   min {:>8.1} ms",
            s.p50, s.p95, s.min
        ));
        self.json.insert(
            name.to_owned(),
            json!({ "p50_ms": s.p50, "p95_ms": s.p95, "min_ms": s.min }),
        );
    }

    /// `target`: (limit, whether the value must be at most the limit).
    fn value(&mut self, field: &str, v: f64, target: Option<(f64, bool)>) {
        let verdict = match target {
            Some((limit, at_most)) => {
                let pass = if at_most { v <= limit } else { v >= limit };
                let op = if at_most { "<=" } else { ">=" };
                format!(
                    "{} (target {op} {limit})",
                    if pass { "PASS" } else { "FAIL" }
                )
            }
            None => String::new(),
        };
        self.lines
            .push(format!("{field:<42} {v:>10.3}   {verdict}"));
        self.json.insert(field.to_owned(), json!(v));
    }

    fn finish(self) {
        println!("\ntemporal-bridge bench\n");
        for l in &self.lines {
            println!("{l}");
        }
        let out = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join("target/bench");
        std::fs::create_dir_all(&out).unwrap();
        let path = out.join("bridge.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&Value::Object(self.json)).unwrap(),
        )
        .unwrap();
        println!("\nwrote {}", path.display());
    }
}
