//! Operating a bridge: its metrics endpoint, scraped after real calls on two local clusters.

use bridge_runtime::BridgeWorker;
use bridge_runtime::testing::{ChildGuard, WorkerThread};
use std::time::Duration;
use temporal_bridge_tests::http::{free_address, get, sample, scrape, wait_for};
use temporal_bridge_tests::prometheus::Prometheus;
use temporal_bridge_tests::tls::{Pki, TlsProxy};
use temporal_bridge_tests::{
    A_QUEUE, AppendOrStartCallerWorkflow, EchoCallerWorkflow, FailCallerWorkflow, Harness,
    ProbeBridge, SleepCallerWorkflow, StuckCallerWorkflow, TracedEvent, install_tracer_provider,
    result_of, run_on_a, trace_id_in, tracing_plugin,
};
use temporalio_common::protos::temporal::api::enums::v1::{
    PendingActivityState, WorkflowExecutionStatus,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_serves_sdk_and_bridge_metrics_that_move_with_calls() {
    let h = Harness::start().await;
    let address = free_address();
    let _bridge = WorkerThread::bridge(
        "bridge",
        BridgeWorker::new(h.clusters.pool(), "a")
            .register(ProbeBridge)
            .metrics_address(address.parse().unwrap()),
    );
    wait_for(&address, "/metrics", 200).await;
    let before = scrape(&address).await;

    let (echoes, _) = run_on_a(
        &h,
        EchoCallerWorkflow::run,
        vec!["m1".into(), "m2".into()],
        "metrics-echo",
    )
    .await;
    assert_eq!(echoes.len(), 2);
    let (failed, _) = run_on_a(
        &h,
        FailCallerWorkflow::run,
        "widget".to_owned(),
        "metrics-fail",
    )
    .await;
    assert!(failed.contains("RemoteFailed"), "{failed}");
    let after = scrape(&address).await;

    let echo = ["method=\"Probe.echo\"", "destination_cluster=\"b\""];
    // Every series names the bridge's source cluster.
    let ok_calls = |text: &str| {
        sample(
            text,
            "temporal_bridge_call_latency_count",
            &[echo[0], echo[1], "outcome=\"ok\"", "source_cluster=\"a\""],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(ok_calls(&before), 0.0, "{before}");
    assert_eq!(ok_calls(&after), 2.0, "two echo calls: {after}");
    assert_eq!(
        sample(
            &after,
            "temporal_bridge_remote_starts",
            &[echo[0], "result=\"fresh\""]
        ),
        Some(2.0),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            "temporal_bridge_call_latency_count",
            &["method=\"Probe.fail\"", "outcome=\"error\""]
        ),
        Some(1.0),
        "the failed remote workflow: {after}"
    );
    assert_eq!(
        sample(
            &after,
            "temporal_bridge_call_errors",
            &["method=\"Probe.fail\"", "failure=\"BridgeRemoteFailed\""]
        ),
        Some(1.0),
        "errors by failure type: {after}"
    );
    assert_eq!(
        sample(&after, "temporal_bridge_calls_in_flight", &[echo[0]]),
        Some(0.0),
        "{after}"
    );
    // The SDK's own worker metrics on the same endpoint.
    assert!(
        after.contains("temporal_activity_execution_latency")
            || after.contains("temporal_activity_schedule_to_start_latency"),
        "the SDK's activity metrics: {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_clusters_and_drops_while_draining() {
    let mut h = Harness::start().await;
    let address = free_address();
    let bridge = WorkerThread::bridge(
        "bridge",
        BridgeWorker::new(h.clusters.pool(), "a")
            .register(ProbeBridge)
            .grace_period(Duration::from_secs(20))
            .health_address(address.parse().unwrap()),
    );
    let ready = wait_for(&address, "/readyz", 200).await;
    assert!(
        ready.contains("source cluster `a`: ok") && ready.contains("destination cluster `b`: ok"),
        "{ready}"
    );
    assert_eq!(get(&address, "/healthz").await.0, 200);
    assert_eq!(get(&address, "/nowhere").await.0, 404);

    // A destination that goes away takes readiness with it, and brings it back.
    h.clusters.server_mut("b").stop();
    let down = wait_for(&address, "/readyz", 503).await;
    assert!(
        down.contains("destination cluster `b`: ") && !down.contains("`b`: ok"),
        "{down}"
    );
    assert_eq!(get(&address, "/healthz").await.0, 200, "alive all the same");
    h.clusters.server_mut("b").restart().await.unwrap();
    wait_for(&address, "/readyz", 200).await;

    // A stop with a call in flight: not ready while it drains, alive until it exits. The
    // remote workflow closes only when the test opens its gate, after it has seen the drain.
    let call = h.start_gate_call("health-drain").await;
    h.wait_gates_running(std::slice::from_ref(&call)).await;
    let stopping = tokio::task::spawn_blocking(move || bridge.stop());
    let draining = wait_for(&address, "/readyz", 503).await;
    assert!(draining.contains("draining"), "{draining}");
    assert_eq!(get(&address, "/healthz").await.0, 200);
    h.open_gate(&call.remote_id).await;
    stopping.await.unwrap().unwrap();
    assert_eq!(
        h.gate_result(&call).await,
        call.expected(),
        "the drained call finished"
    );
}

const CLI_BRIDGE: &str = env!("CARGO_BIN_EXE_cli-bridge");

/// Writes a bridge configuration file for this test and returns its path.
fn config_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bridge-ops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn clusters_toml(a: &str, b: &str) -> String {
    format!("[clusters.a]\naddress = \"{a}\"\n[clusters.b]\naddress = \"{b}\"\n")
}

/// Runs `cli-bridge --config PATH check-config` with no `TEMPORAL_BRIDGE_*` variables around.
fn check_config(path: &std::path::Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(CLI_BRIDGE)
        .arg("--config")
        .arg(path)
        .arg("check-config")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_connects_to_every_cluster_and_names_the_one_that_fails() {
    let h = Harness::start().await;
    let (a, b) = (
        h.clusters.server("a").address(),
        h.clusters.server("b").address(),
    );

    let good = config_file(
        "good.toml",
        &format!("source = \"a\"\n{}", clusters_toml(a, b)),
    );
    let (code, text) = check_config(&good);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!("ok    cluster `a` (source) at {a}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("ok    cluster `b` (destination) at {b}")),
        "{text}"
    );

    let b_down = config_file(
        "b-down.toml",
        &format!("source = \"a\"\n{}", clusters_toml(a, "127.0.0.1:1")),
    );
    let (code, text) = check_config(&b_down);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!("ok    cluster `a` (source) at {a}")),
        "{text}"
    );
    assert!(
        text.contains("FAIL  cluster `b` (destination) at 127.0.0.1:1: "),
        "{text}"
    );

    for (file, text, culprit) in [
        ("no-source.toml", clusters_toml(a, b), "no source cluster"),
        (
            "typo.toml",
            format!(
                "source = \"a\"\nmax_concurent_calls = 5\n{}",
                clusters_toml(a, b)
            ),
            "max_concurent_calls",
        ),
        (
            "bad-format.toml",
            format!(
                "source = \"a\"\nlog_format = \"xml\"\n{}",
                clusters_toml(a, b)
            ),
            "log_format",
        ),
    ] {
        let (code, out) = check_config(&config_file(file, &text));
        assert_eq!(code, Some(1), "{file}: {out}");
        assert!(out.contains(culprit), "{file} names `{culprit}`: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_bridge_runs_from_its_file_with_json_logs_health_and_metrics() {
    let h = Harness::start().await;
    let (a, b) = (
        h.clusters.server("a").address(),
        h.clusters.server("b").address(),
    );
    let (health, metrics) = (free_address(), free_address());
    let path = config_file(
        "run.toml",
        &format!(
            "source = \"a\"\ngrace_period_secs = 5\nhealth_address = \"{health}\"\n\
             metrics_address = \"{metrics}\"\nlog_format = \"json\"\n{}",
            clusters_toml(a, b)
        ),
    );
    let log = path.with_extension("log");
    let mut bridge = ChildGuard::spawn(
        std::process::Command::new(CLI_BRIDGE)
            .arg("--config")
            .arg(&path)
            .env("RUST_LOG", "bridge_runtime=info")
            .stderr(std::fs::File::create(&log).unwrap()),
    )
    .unwrap();
    wait_for(&health, "/readyz", 200).await;

    let (echoes, _) = run_on_a(&h, EchoCallerWorkflow::run, vec!["cli".into()], "cli-echo").await;
    assert_eq!(echoes[0].tag, "cli");
    let scraped = scrape(&metrics).await;
    assert_eq!(
        sample(
            &scraped,
            "temporal_bridge_call_latency_count",
            &["method=\"Probe.echo\"", "outcome=\"ok\""]
        ),
        Some(1.0),
        "{scraped}"
    );

    let exited = tokio::task::spawn_blocking(move || bridge.terminate(Duration::from_secs(60)))
        .await
        .unwrap()
        .unwrap();
    assert!(exited.success(), "{exited}");

    // Every line is JSON; the call's lines carry the call's fields.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let completed = lines
        .iter()
        .find(|l| l["fields"]["message"] == "remote workflow completed")
        .unwrap_or_else(|| panic!("no completion line: {text}"));
    let span = &completed["span"];
    assert_eq!(span["method"], "Probe.echo", "{completed}");
    assert_eq!(span["source_cluster"], "a", "{completed}");
    assert_eq!(span["destination_cluster"], "b", "{completed}");
    assert_eq!(span["source_workflow_id"], "cli-echo", "{completed}");
    assert_eq!(span["remote_queue"], "probe-b", "{completed}");
    assert_eq!(span["attempt"], 1, "{completed}");
    assert!(
        span["remote_workflow_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("Probe.echo/a/default/cli-echo/")),
        "{completed}"
    );
}

/// A `cli-bridge` process with this configuration, its output in `log`; killed on drop.
fn spawn_cli_bridge(config: &std::path::Path, log: &std::path::Path) -> ChildGuard {
    let out = std::fs::File::create(log).unwrap();
    ChildGuard::spawn(
        std::process::Command::new(CLI_BRIDGE)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "debug")
            .stdout(out.try_clone().unwrap())
            .stderr(out),
    )
    .unwrap()
}

/// Starts a one-second sleep call on A and returns the last failure of its bridge activity once
/// it has been retried.
async fn failing_call(h: &Harness, workflow_id: &str) -> String {
    h.a.start_workflow(
        SleepCallerWorkflow::run,
        1,
        temporalio_client::WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
    )
    .await
    .unwrap();
    h.wait_retried(workflow_id, Duration::from_secs(60)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mtls_and_api_keys_through_nginx_work_and_wrong_credentials_are_named() {
    let h = Harness::start().await;
    let dir = std::env::temp_dir().join(format!("bridge-tls-{}", std::process::id()));
    let pki = Pki::generate(&dir);
    let api_key = "sk-proxy-5e1d07c3a9b4";
    let proxy = TlsProxy::start(h.clusters.server("b").address(), &pki, api_key);
    let a = h.clusters.server("a").address();
    let config = |name: &str, b: String| {
        config_file(
            name,
            &format!("source = \"a\"\n[clusters.a]\naddress = \"{a}\"\n{b}"),
        )
    };
    let tls = |address: &str, extra: &str| {
        format!(
            "[clusters.b]\naddress = \"{address}\"\n{extra}[clusters.b.tls]\n\
             server_ca_cert_path = \"{}\"\nserver_name = \"localhost\"\n",
            pki.ca_cert.display()
        )
    };
    let client = |cert: &std::path::Path, key: &std::path::Path| {
        format!(
            "client_cert_path = \"{}\"\nclient_key_path = \"{}\"\n",
            cert.display(),
            key.display()
        )
    };
    let mut logs = Vec::new();

    // Wrong or missing credentials: each call is retried with an error naming cluster `b`.
    for (case, b, why) in [
        (
            "no-client-cert",
            tls(&proxy.mtls_address, ""),
            "client certificate",
        ),
        (
            "rogue-client-cert",
            tls(&proxy.mtls_address, "") + &client(&pki.rogue_cert, &pki.rogue_key),
            "client certificate",
        ),
        (
            "wrong-api-key",
            tls(&proxy.api_key_address, "api_key = \"sk-wrong-0000\"\n"),
            "API key",
        ),
    ] {
        let log = dir.join(format!("{case}.log"));
        let bridge = spawn_cli_bridge(&config(&format!("{case}.toml"), b), &log);
        let failure = failing_call(&h, &format!("tls-{case}")).await;
        println!("TLS {case}: {failure}");
        assert!(
            failure.contains("`b`"),
            "{case} names the cluster: {failure}"
        );
        assert!(
            failure.contains("Unauthenticated") && failure.contains(why),
            "{case} says why: {failure}"
        );
        drop(bridge);
        logs.push(log);
    }

    // The right client certificate, then the right API key: calls go through, and the calls
    // left by the failing bridges finish too.
    let mtls_log = dir.join("mtls.log");
    let mtls = spawn_cli_bridge(
        &config(
            "mtls.toml",
            tls(&proxy.mtls_address, "") + &client(&pki.client_cert, &pki.client_key),
        ),
        &mtls_log,
    );
    let (echoes, _) = run_on_a(&h, EchoCallerWorkflow::run, vec!["mtls".into()], "tls-mtls").await;
    assert_eq!(echoes[0].tag, "mtls");
    for case in ["no-client-cert", "rogue-client-cert", "wrong-api-key"] {
        let handle =
            h.a.get_workflow_handle::<SleepCallerWorkflow>(format!("tls-{case}"));
        assert_eq!(result_of(&handle).await, "slept 1", "{case} was not lost");
    }
    drop(mtls);
    logs.push(mtls_log);
    let keyed_log = dir.join("api-key.log");
    let keyed = spawn_cli_bridge(
        &config(
            "api-key.toml",
            tls(
                &proxy.api_key_address,
                &format!("api_key = \"{api_key}\"\n"),
            ),
        ),
        &keyed_log,
    );
    let (echoes, _) = run_on_a(
        &h,
        EchoCallerWorkflow::run,
        vec!["keyed".into()],
        "tls-api-key",
    )
    .await;
    assert_eq!(echoes[0].tag, "keyed");
    drop(keyed);
    logs.push(keyed_log);

    // No key, token or private key in any log, at debug level.
    let client_key = std::fs::read_to_string(&pki.client_key).unwrap();
    let key_body = client_key.lines().nth(1).unwrap();
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap();
        assert!(
            text.lines().count() > 10,
            "{} holds the bridge's log",
            log.display()
        );
        for secret in [api_key, "sk-wrong-0000", key_body] {
            assert!(!text.contains(secret), "{} leaks a secret", log.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_context_of_a_workflow_on_a_reaches_the_remote_start_on_b() {
    let h = Harness::start().await;
    // A caller worker with the SDK's OpenTelemetry plugin, which puts the trace context of each
    // activity it schedules in the `_tracer-data` header.
    install_tracer_provider();
    let traced_queue = "probe-a-traced";
    let _traced = WorkerThread::sdk(
        "traced-a",
        h.a.clone(),
        temporalio_sdk::WorkerOptions::new(traced_queue)
            .register_workflow::<EchoCallerWorkflow>()
            .unwrap()
            .register_workflow::<AppendOrStartCallerWorkflow>()
            .unwrap()
            .worker_plugin(tracing_plugin())
            .build(),
    );
    let _bridge = h.in_process_bridge();
    let handle =
        h.a.start_workflow(
            EchoCallerWorkflow::run,
            vec!["traced".to_owned()],
            temporalio_client::WorkflowStartOptions::new(traced_queue, "traced").build(),
        )
        .await
        .unwrap();
    let run_id = handle.run_id().unwrap().to_owned();
    let echoes = result_of(&handle).await;

    let on_a = trace_id_in(&h.a, "traced", &run_id, TracedEvent::ActivityScheduled)
        .await
        .expect("the bridge activity carries the caller's trace context");
    let on_b = trace_id_in(
        &h.b,
        &echoes[0].remote_workflow_id,
        "",
        TracedEvent::Started,
    )
    .await
    .expect("the remote workflow's start carries trace context");
    assert!(on_a.chars().any(|c| c != '0'), "a real trace id: {on_a}");
    assert_eq!(on_a, on_b, "one trace spans both clusters");

    // Update-with-start carries it to the start it makes too.
    let handle =
        h.a.start_workflow(
            AppendOrStartCallerWorkflow::run,
            "traced-key".to_owned(),
            temporalio_client::WorkflowStartOptions::new(traced_queue, "traced-uws").build(),
        )
        .await
        .unwrap();
    let run_id = handle.run_id().unwrap().to_owned();
    let mailbox = result_of(&handle).await;
    let on_a = trace_id_in(&h.a, "traced-uws", &run_id, TracedEvent::ActivityScheduled)
        .await
        .expect("the update-with-start activity carries the caller's trace context");
    let on_b = trace_id_in(&h.b, &mailbox, "", TracedEvent::Started)
        .await
        .expect("the start made by update-with-start carries trace context");
    assert_eq!(on_a, on_b, "one trace through update-with-start");
}

/// Waits up to a minute for `value` to be `Some(want)`, re-reading it each half second.
async fn wait_value<F, Fut>(what: &str, want: f64, mut value: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<f64>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = value().await;
        if now == Some(want) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} is {now:?}, not {want}, after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_answers_every_dashboard_query_and_the_queue_depth_follows_the_backlog() {
    let h = Harness::start().await;
    // One call at a time, so that the calls beyond it wait on the bridge queue.
    let (_bridge, metrics) = h
        .in_process_bridge_with_metrics(|w| w.max_concurrent_calls(1))
        .await;
    let prometheus = Prometheus::start(&[&metrics]).await;
    prometheus.wait_up(1).await;

    // Real calls of each kind the dashboard shows: successes, a failure, a stuck call; twice,
    // the second time once Prometheus has seen each series, so that each rate has an increase
    // (a series' first sample is not one).
    let seen = |method: &'static str| {
        let prometheus = &prometheus;
        move || async move {
            let expr = format!("count(temporal_bridge_call_latency_count{{method=\"{method}\"}})");
            let series = prometheus.query(&expr).await;
            series.first().map(|_| 1.0)
        }
    };
    for round in 0..2 {
        let (echoes, _) = run_on_a(
            &h,
            EchoCallerWorkflow::run,
            vec![format!("p{round}")],
            &format!("prom-echo-{round}"),
        )
        .await;
        assert_eq!(echoes.len(), 1);
        let (failed, _) = run_on_a(
            &h,
            FailCallerWorkflow::run,
            "widget".to_owned(),
            &format!("prom-fail-{round}"),
        )
        .await;
        assert!(failed.contains("RemoteFailed"), "{failed}");
        let (stuck, _) = run_on_a(
            &h,
            StuckCallerWorkflow::run,
            "unserved".to_owned(),
            &format!("prom-stuck-{round}"),
        )
        .await;
        assert!(stuck.contains("RemoteStuck"), "{stuck}");
        for method in ["Probe.echo", "Probe.fail", "Probe.unserved"] {
            wait_value(&format!("{method} seen by Prometheus"), 1.0, seen(method)).await;
        }
    }

    // Four gate calls: the bridge holds one; three wait on its queue (A's describe of each).
    let calls = h.start_gate_calls("prom-gate", 4).await;
    let states = || async {
        let mut started = 0.0;
        for c in &calls {
            match h.call_state_on_a(&c.workflow_id).await {
                Some((PendingActivityState::Started, _)) => started += 1.0,
                Some((PendingActivityState::Scheduled, _)) => {}
                other => panic!("{}: {other:?}", c.workflow_id),
            }
        }
        Some(started)
    };
    wait_value("calls held by the bridge", 1.0, states).await;
    let depth = || async {
        sample(
            &scrape(&metrics).await,
            "temporal_bridge_queue_depth",
            &["bridge_queue=\"temporal-bridge\"", "source_cluster=\"a\""],
        )
    };
    wait_value("temporal_bridge_queue_depth", 3.0, depth).await;

    // Every query of every panel answers with data. Grafana's `$__rate_interval` is read as
    // 10 minutes: every call of this test falls in it.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/deploy/grafana-dashboard.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the dashboard"))
            .expect("the dashboard is JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 7, "{} panels", panels.len());
    for panel in panels {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"]
                .as_str()
                .expect("expr")
                .replace("$__rate_interval", "10m");
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            loop {
                // A rate, and a quantile of one, must have seen calls; a gauge may be 0.
                let moving = expr.contains("rate(");
                let result = prometheus.query(&expr).await;
                let data = result.iter().any(|series| {
                    let value = series["value"][1]
                        .as_str()
                        .and_then(|v| v.parse::<f64>().ok());
                    value.is_some_and(|v| v.is_finite() && (!moving || v > 0.0))
                });
                if data {
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "panel {:?}: `{expr}` returns no data: {result:?}",
                    panel["title"]
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    // Prometheus has the backlog too, from its next scrape on.
    let scraped_depth = || async {
        let result = prometheus
            .query("max by (bridge_queue) (temporal_bridge_queue_depth)")
            .await;
        result
            .first()
            .and_then(|series| series["value"][1].as_str())
            .and_then(|v| v.parse().ok())
    };
    wait_value("the queue depth in Prometheus", 3.0, scraped_depth).await;

    // Open each gate once its call runs on B: the backlog drains, and every call completes.
    let mut closed: Vec<_> = calls.iter().collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !closed.is_empty() {
        let mut still = Vec::new();
        for c in closed {
            if h.status_on_b(&c.remote_id).await == Some(WorkflowExecutionStatus::Running) {
                h.open_gate(&c.remote_id).await;
            } else {
                still.push(c);
            }
        }
        closed = still;
        assert!(
            std::time::Instant::now() < deadline,
            "gates never ran: {closed:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for c in &calls {
        assert_eq!(h.gate_result(c).await, c.expected());
    }
    wait_value("temporal_bridge_queue_depth", 0.0, depth).await;
}
