//! Operating a bridge: its metrics endpoint, scraped after real calls on two local clusters.

use bridge_runtime::BridgeWorker;
use bridge_runtime::testing::WorkerThread;
use std::time::Duration;
use temporal_bridge_tests::{
    EchoCallerWorkflow, FailCallerWorkflow, Harness, ProbeBridge, run_on_a,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET /metrics` over plain HTTP/1.1; returns the body.
async fn scrape(address: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

/// The value of the first sample of `name` whose labels contain every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_serves_sdk_and_bridge_metrics_that_move_with_calls() {
    let h = Harness::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let _bridge = WorkerThread::bridge(
        "bridge",
        BridgeWorker::new(h.clusters.pool(), "a")
            .register(ProbeBridge)
            .metrics_address(address.parse().unwrap()),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
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
    let ok_calls = |text: &str| {
        sample(
            text,
            "temporal_bridge_call_latency_count",
            &[echo[0], echo[1], "outcome=\"ok\""],
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
