//! Several clusters: one bridge serving several destinations and two namespaces of one cluster
//! over one connection, a chain of two bridges, A → B → C, and both directions between two
//! clusters from one configuration file, on three real local clusters with real bridge processes.

use bridge_runtime::{
    ids::{CallSite, DEFAULT_MAX_ID_LEN, finalize_id},
    testing::{ChildGuard, FaultProxy, count_executions, scheduled_activities},
};
use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};
use temporal_bridge_tests::{
    Echo, GateWorkflow, TracedEvent, describe, http,
    regions::{
        ChainCallerWorkflow, REGIONS_QUEUE, RegionsBridge, RegionsCallerWorkflow, RegionsHarness,
        ToACallerWorkflow, ToBCallerWorkflow,
    },
    result_of, status_of, trace_id_in, try_describe,
};
use temporalio_client::{Client, WorkflowCancelOptions, WorkflowStartOptions};
use temporalio_common::protos::temporal::api::enums::v1::{
    PendingActivityState, WorkflowExecutionStatus,
};

const REGIONS_BRIDGE: &str = env!("CARGO_BIN_EXE_regions-bridge");
const TWO_REGION_BRIDGE: &str = env!("CARGO_BIN_EXE_two-region-bridge");
/// How long a step of a test may take before it fails; generous, so that only a call that
/// never arrives fails it.
const STEP: Duration = Duration::from_secs(90);

/// A `regions-bridge` process on `config`, its logs beside it; killed on drop.
fn spawn_bridge(config: &Path) -> ChildGuard {
    let log = std::fs::File::create(config.with_extension("log")).expect("bridge log");
    ChildGuard::spawn(
        Command::new(REGIONS_BRIDGE)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log),
    )
    .expect("spawn regions-bridge")
}

/// The remote id of the `n`-th (0-based) bridged call of `workflow_id`'s run `run_id`, which
/// runs on `source` in its `default` namespace, as the documented scheme derives it from the
/// call's position in the caller's history.
async fn remote_id_of_call(
    client: &Client,
    source: &str,
    workflow_id: &str,
    run_id: &str,
    n: usize,
) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let calls = scheduled_activities(client, workflow_id, run_id)
            .await
            .expect("history of the caller");
        if let Some(call) = calls.get(n) {
            let site = CallSite {
                source_cluster: source,
                namespace: "default",
                workflow_id,
                run_id,
                position: &call.activity_id,
            };
            let raw = match call.activity_type.as_str() {
                "bridge.Regions.echo_b" => RegionsBridge::echo_b_remote_id(&site),
                "bridge.Regions.echo_c" => RegionsBridge::echo_c_remote_id(&site),
                "bridge.Regions.echo_billing" => RegionsBridge::echo_billing_remote_id(&site),
                "bridge.Regions.relay" => RegionsBridge::relay_remote_id(&site),
                "bridge.Regions.gate_c" => RegionsBridge::gate_c_remote_id(&site),
                other => panic!("not a call of Regions: {other}"),
            };
            return finalize_id(&raw, DEFAULT_MAX_ID_LEN);
        }
        assert!(
            Instant::now() < deadline,
            "call {n} of {workflow_id} was not scheduled within {STEP:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `workflow_id` on `client`'s cluster has `status` (a describe: strongly
/// consistent).
async fn wait_status(client: &Client, workflow_id: &str, status: WorkflowExecutionStatus) {
    let deadline = Instant::now() + STEP;
    loop {
        let now = try_describe(client, workflow_id)
            .await
            .map(|d| status_of(&d));
        if now == Some(status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{workflow_id} is {now:?}, not {status:?}, after {STEP:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The state and attempt of the bridge call that `workflow_id` (on `client`'s cluster) waits on.
async fn call_state(client: &Client, workflow_id: &str) -> Option<(PendingActivityState, i32)> {
    describe(client, workflow_id)
        .await
        .pending_activities
        .first()
        .map(|p| (p.state(), p.attempt))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bridge_serves_two_clusters_and_two_namespaces_of_one_over_one_connection() {
    let h = RegionsHarness::start().await;
    // Every byte the bridge sends to B goes through the proxy, which counts connections.
    let proxy = FaultProxy::start(h.clusters.server("b").address())
        .await
        .expect("proxy");
    let health = http::free_address();
    let config = h.config(
        "several",
        "a",
        proxy.address(),
        &format!("health_address = \"{health}\""),
    );
    let _bridge = spawn_bridge(&config);

    let ready = http::wait_for(&health, "/readyz", 200).await;
    for line in [
        "source cluster `a`: ok",
        "destination cluster `b`: ok",
        "destination cluster `b-billing`: ok",
        "destination cluster `c`: ok",
    ] {
        assert!(ready.contains(line), "readiness names `{line}`: {ready}");
    }

    let id = "several-destinations";
    let handle =
        h.a.start_workflow(
            RegionsCallerWorkflow::run,
            "t".to_owned(),
            WorkflowStartOptions::new(REGIONS_QUEUE, id).build(),
        )
        .await
        .expect("start on A");
    let run_id = handle.run_id().expect("run id").to_owned();
    let echoes: Vec<Echo> = result_of(&handle).await;

    let tags: Vec<&str> = echoes.iter().map(|e| e.tag.as_str()).collect();
    assert_eq!(tags, ["t-b", "t-c", "t-billing"]);
    // Each ran where its method says, under the id of the documented scheme.
    let ran_on = [&h.b, &h.c, &h.b_billing];
    for (n, (echo, client)) in echoes.iter().zip(ran_on).enumerate() {
        let expected = remote_id_of_call(&h.a, "a", id, &run_id, n).await;
        assert_eq!(echo.remote_workflow_id, expected);
        assert_eq!(
            status_of(&describe(client, &expected).await),
            WorkflowExecutionStatus::Completed,
            "{expected} ran in its method's cluster and namespace"
        );
    }
    // Not in the other namespace of B.
    assert!(
        try_describe(&h.b, &echoes[2].remote_workflow_id)
            .await
            .is_none()
    );
    assert!(
        try_describe(&h.b_billing, &echoes[0].remote_workflow_id)
            .await
            .is_none()
    );
    // `b` and `b-billing` share one connection: the bridge opened one to B.
    assert_eq!(
        proxy.connections(),
        1,
        "one connection to B for both namespaces"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_a_to_b_to_c_returns_survives_its_second_bridge_and_cancels_end_to_end() {
    let h = RegionsHarness::start().await;
    let b = h.clusters.server("b").address().to_owned();
    let _ab = spawn_bridge(&h.config("ab", "a", &b, ""));
    let bc_config = h.config("bc", "b", &b, "");
    let mut bc = spawn_bridge(&bc_config);

    // The result comes back through both hops, under ids of the documented scheme.
    let start_chain = |id: &'static str| {
        let a = h.a.clone();
        async move {
            let handle = a
                .start_workflow(
                    ChainCallerWorkflow::run,
                    id.to_owned(),
                    WorkflowStartOptions::new(REGIONS_QUEUE, id).build(),
                )
                .await
                .expect("start on A");
            let run_id = handle.run_id().expect("run id").to_owned();
            (handle, run_id)
        }
    };
    let hops = |id: &'static str, run_id: String| {
        let (a, b) = (h.a.clone(), h.b.clone());
        async move {
            let hop1 = remote_id_of_call(&a, "a", id, &run_id, 0).await;
            wait_status(&b, &hop1, WorkflowExecutionStatus::Running).await;
            let relay_run = describe(&b, &hop1)
                .await
                .workflow_execution_info
                .and_then(|i| i.execution)
                .map(|e| e.run_id)
                .expect("the relay's run");
            let hop2 = remote_id_of_call(&b, "b", &hop1, &relay_run, 0).await;
            (hop1, hop2)
        }
    };

    let (one, one_run) = start_chain("chain-one").await;
    let (hop1, hop2) = hops("chain-one", one_run.clone()).await;
    assert!(
        hop1.starts_with(&format!("Regions.relay/a/default/chain-one/{one_run}/")),
        "{hop1}"
    );
    // The relay's id is one component of the second hop's: its `/` are escaped.
    let relay_component = hop1.replace('/', "%2F");
    assert!(
        hop2.starts_with(&format!("Regions.gate_c/b/default/{relay_component}/")),
        "{hop2}"
    );
    wait_status(&h.c, &hop2, WorkflowExecutionStatus::Running).await;

    // The fault's phase: bridge BC holds the second hop (attempt 1) while C's gate is closed.
    assert_eq!(
        call_state(&h.b, &hop1).await,
        Some((PendingActivityState::Started, 1))
    );
    drop(bc); // SIGKILL, mid-call
    bc = spawn_bridge(&bc_config);
    let deadline = Instant::now() + STEP;
    while !matches!(call_state(&h.b, &hop1).await, Some((PendingActivityState::Started, n)) if n >= 2)
    {
        assert!(
            Instant::now() < deadline,
            "bridge BC's call was not taken over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status_of(&describe(&h.c, &hop2).await),
        WorkflowExecutionStatus::Running,
        "C's gate still waits: the kill landed mid-call"
    );
    h.c.get_workflow_handle::<GateWorkflow>(&hop2)
        .signal(GateWorkflow::open, (), Default::default())
        .await
        .expect("open C's gate");
    assert_eq!(result_of(&one).await, "relayed opened chain-one");
    assert_eq!(count_executions(&h.c, &hop2).await.unwrap(), 1);
    assert_eq!(count_executions(&h.b, &hop1).await.unwrap(), 1);

    // One trace: A's call, B's start and B's call, and C's start carry the same trace id.
    let trace = |client: Client, id: String, run: String, event: TracedEvent| async move {
        trace_id_in(&client, &id, &run, event)
            .await
            .unwrap_or_else(|| panic!("{event:?} of {id} carries trace context"))
    };
    let ids = [
        trace(
            h.a.clone(),
            "chain-one".into(),
            one_run,
            TracedEvent::ActivityScheduled,
        )
        .await,
        trace(
            h.b.clone(),
            hop1.clone(),
            String::new(),
            TracedEvent::Started,
        )
        .await,
        trace(
            h.b.clone(),
            hop1.clone(),
            String::new(),
            TracedEvent::ActivityScheduled,
        )
        .await,
        trace(
            h.c.clone(),
            hop2.clone(),
            String::new(),
            TracedEvent::Started,
        )
        .await,
    ];
    assert!(ids[0].chars().any(|c| c != '0'), "a real trace id: {ids:?}");
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one trace on A, B and C: {ids:?}"
    );

    // Cancelling A's workflow cancels B's, which cancels C's.
    let (two, two_run) = start_chain("chain-two").await;
    let (hop1, hop2) = hops("chain-two", two_run).await;
    wait_status(&h.c, &hop2, WorkflowExecutionStatus::Running).await;
    let requested = Instant::now();
    two.cancel(WorkflowCancelOptions::builder().reason("test").build())
        .await
        .expect("cancel on A");
    // Measured from the request, each cluster in turn.
    let cancelled = WorkflowExecutionStatus::Canceled;
    wait_status(&h.a, "chain-two", cancelled).await;
    let on_a = requested.elapsed();
    wait_status(&h.b, &hop1, cancelled).await;
    let on_b = requested.elapsed();
    wait_status(&h.c, &hop2, cancelled).await;
    let on_c = requested.elapsed();
    eprintln!("chain cancelled: A after {on_a:?}, B after {on_b:?}, C after {on_c:?}");
    drop(bc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_directions_run_from_the_two_region_example_with_a_bridge_per_source() {
    let h = RegionsHarness::start().await;
    // `examples/two-region.toml` as written, deployed twice: the environment picks each
    // deployment's source and points the clusters and endpoints at this test's.
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/two-region.toml");
    let bridge = |source: &str| {
        let (health, metrics) = (http::free_address(), http::free_address());
        let log = std::env::temp_dir().join(format!(
            "bridge-two-region-{source}-{}.log",
            std::process::id()
        ));
        let log = std::fs::File::create(log).expect("bridge log");
        let process = ChildGuard::spawn(
            Command::new(TWO_REGION_BRIDGE)
                .arg("--config")
                .arg(config)
                .env("TEMPORAL_BRIDGE_SOURCE", source)
                .env("TEMPORAL_BRIDGE_HEALTH_ADDRESS", &health)
                .env("TEMPORAL_BRIDGE_METRICS_ADDRESS", &metrics)
                .envs(h.clusters.env_vars())
                .env("RUST_LOG", "warn")
                .stdout(log.try_clone().expect("clone log"))
                .stderr(log),
        )
        .expect("spawn two-region-bridge");
        (process, health, metrics)
    };
    let (_from_a, health_a, metrics_a) = bridge("a");
    let (_from_b, health_b, metrics_b) = bridge("b");
    let ready_a = http::wait_for(&health_a, "/readyz", 200).await;
    let ready_b = http::wait_for(&health_b, "/readyz", 200).await;
    assert!(
        ready_a.contains("source cluster `a`: ok")
            && ready_a.contains("destination cluster `b`: ok"),
        "{ready_a}"
    );
    assert!(
        ready_b.contains("source cluster `b`: ok")
            && ready_b.contains("destination cluster `a`: ok"),
        "{ready_b}"
    );

    let to_b =
        h.a.start_workflow(
            ToBCallerWorkflow::run,
            "east".to_owned(),
            WorkflowStartOptions::new(REGIONS_QUEUE, "to-b").build(),
        )
        .await
        .expect("start on A");
    let to_a =
        h.b.start_workflow(
            ToACallerWorkflow::run,
            "west".to_owned(),
            WorkflowStartOptions::new(REGIONS_QUEUE, "to-a").build(),
        )
        .await
        .expect("start on B");
    let (east, west) = (result_of(&to_b).await, result_of(&to_a).await);
    assert_eq!(east.tag, "east");
    assert!(
        east.remote_workflow_id
            .starts_with("TwoWay.to_b/a/default/to-b/"),
        "{east:?}"
    );
    assert_eq!(
        status_of(&describe(&h.b, &east.remote_workflow_id).await),
        WorkflowExecutionStatus::Completed
    );
    assert_eq!(west.tag, "west");
    assert!(
        west.remote_workflow_id
            .starts_with("TwoWay.to_a/b/default/to-a/"),
        "{west:?}"
    );
    assert_eq!(
        status_of(&describe(&h.a, &west.remote_workflow_id).await),
        WorkflowExecutionStatus::Completed
    );

    // Each deployment carried its own direction, and says so in its metrics.
    let calls = |text: &str, method: &str, source: &str| {
        http::sample(
            text,
            "temporal_bridge_call_latency_count",
            &[
                &format!("method=\"{method}\""),
                &format!("source_cluster=\"{source}\""),
            ],
        )
    };
    let (from_a, from_b) = (
        http::scrape(&metrics_a).await,
        http::scrape(&metrics_b).await,
    );
    assert_eq!(calls(&from_a, "TwoWay.to_b", "a"), Some(1.0), "{from_a}");
    assert_eq!(calls(&from_a, "TwoWay.to_a", "a"), None, "{from_a}");
    assert_eq!(calls(&from_b, "TwoWay.to_a", "b"), Some(1.0), "{from_b}");
    assert_eq!(calls(&from_b, "TwoWay.to_b", "b"), None, "{from_b}");
}
