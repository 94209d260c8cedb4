//! The gateway on two real local clusters: a caller reaches on cluster B only what a bridge
//! started for it. A workflow someone runs on B directly cannot be attached to, signalled,
//! queried, updated, waited on or cancelled through the bridge; an id the method does not open
//! is refused; a business key is shared within a source and refused from another; a flood is
//! held to a destination's limit.

use bridge_runtime::testing::{WorkerThread, history, scheduled_activities};
use bridge_runtime::{BridgeWorker, Limits};
use futures::{StreamExt, stream};
use std::time::Duration;
use temporal_bridge_tests::http::{sample, scrape};
use temporal_bridge_tests::{
    A_QUEUE, B_QUEUE, EchoCallerWorkflow, GatewayCallerWorkflow, Harness, KeyedEchoCallerWorkflow,
    KeyedRequest, LateHandleCallerWorkflow, MailboxWorkflow, ProbeBridge, RESULT_TIMEOUT, describe,
    result_of, run_on_a,
};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

/// Starts `MailboxWorkflow` on B directly, as someone on B would, under `id`.
async fn foreign_mailbox(h: &Harness, id: &str) {
    h.b.start_workflow(
        MailboxWorkflow::run,
        "another customer's data".to_owned(),
        WorkflowStartOptions::new(B_QUEUE, id).build(),
    )
    .await
    .expect("start the foreign mailbox on B");
    h.wait_running_on_b(id, Duration::from_secs(30)).await;
}

/// Whether `outcome` is a refusal of kind `refusal` (the `Debug` of `Refusal`).
fn refused(outcome: &str, refusal: &str) -> bool {
    outcome.starts_with("Refused {") && outcome.contains(&format!("refusal: {refusal}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_execution_of_a_declared_type_cannot_be_reached_through_the_bridge() {
    let h = Harness::start().await;
    let (_bridge, metrics) = h.in_process_bridge_with_metrics(|w| w).await;
    let private = "named-private-77";
    foreign_mailbox(&h, private).await;
    foreign_mailbox(&h, "public-mailbox-1").await;

    let (seen, run_id) = run_on_a(&h, GatewayCallerWorkflow::run, private.into(), "gate-77").await;
    let expected = [
        ("attach under an id the method opens", "NotOwned"),
        ("an id the method does not open", "IdNotAllowed"),
        ("signal", "TargetNotAllowed"),
        ("query", "TargetNotAllowed"),
        ("update", "TargetNotAllowed"),
        ("a forged handle's wait", "TargetNotAllowed"),
        ("a forged handle's cancel", "TargetNotAllowed"),
        ("the public- query on another id", "TargetNotAllowed"),
    ];
    assert_eq!(seen.len(), expected.len(), "{seen:#?}");
    for (outcome, (what, refusal)) in seen.iter().zip(expected) {
        assert!(refused(outcome, refusal), "{what}: {outcome}");
        assert!(outcome.contains(private), "{what} names the id: {outcome}");
        assert!(
            !outcome.contains("another customer"),
            "{what} returns nothing of the execution: {outcome}"
        );
    }
    // Each refusal was final: every bridge activity ran once.
    let calls = scheduled_activities(&h.a, "gate-77", &run_id)
        .await
        .unwrap();
    assert_eq!(calls.len(), expected.len(), "{calls:?}");
    for call in &calls {
        assert_eq!(call.started_attempt, Some(1), "{call:?}");
    }
    // Nothing reached the foreign mailbox: no signal, update or cancel request in its history.
    let events = history(&h.b, private, "").await.unwrap();
    let touched = events.iter().any(|e| {
        matches!(
            e.attributes,
            Some(
                Attributes::WorkflowExecutionSignaledEventAttributes(_)
                    | Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_)
                    | Attributes::WorkflowExecutionCancelRequestedEventAttributes(_)
            )
        )
    });
    assert!(!touched, "the foreign mailbox was touched: {events:#?}");
    // The audit: one count per refusal, by reason.
    let text = scrape(&metrics).await;
    let count = |reason: &str| {
        let reason = format!("reason=\"{reason}\"");
        let methods = [
            "Probe.sleep_named",
            "Probe.sleep",
            "Probe.add_note",
            "Probe.read_notes",
            "Probe.append",
            "Probe.mailbox",
            "Probe.peek_notes",
        ];
        methods
            .iter()
            .filter_map(|m| {
                let method = format!("method=\"{m}\"");
                sample(&text, "temporal_bridge_refused", &[&method, &reason])
            })
            .sum::<f64>()
    };
    assert_eq!(count("not_owned"), 1.0, "{text}");
    assert_eq!(count("id_not_allowed"), 1.0, "{text}");
    assert_eq!(count("target_not_allowed"), 6.0, "{text}");

    // A method that opens a prefix reaches a workflow under it, and only that method.
    let (public, _) = run_on_a(
        &h,
        GatewayCallerWorkflow::run,
        "public-mailbox-1".into(),
        "gate-public",
    )
    .await;
    assert!(refused(&public[3], "TargetNotAllowed"), "{public:#?}");
    // `sleep_named` opens only ids under `named-`.
    assert!(refused(&public[0], "IdNotAllowed"), "{public:#?}");
    assert_eq!(public[7], "ok: []", "{public:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_key_is_shared_within_a_source_and_refused_from_another() {
    let h = Harness::start().await;
    let request = |tag: &str| KeyedRequest {
        key: "order-9".into(),
        tag: tag.into(),
    };
    let bridge = h.in_process_bridge();
    let (first, _) = run_on_a(&h, KeyedEchoCallerWorkflow::run, request("first"), "key-1").await;
    let (second, _) = run_on_a(&h, KeyedEchoCallerWorkflow::run, request("second"), "key-2").await;
    assert_eq!(first.remote_workflow_id, "keyed-echo-order-9");
    assert_eq!(
        second, first,
        "the second caller attached to the first one's execution"
    );
    bridge.stop().unwrap();

    // The same cluster under another name: a bridge of another source.
    let pool = h.clusters.pool_with_aliases(&[("a2", "a")]).unwrap();
    let _other = WorkerThread::bridge(
        "bridge-a2",
        BridgeWorker::new(pool, "a2").register(ProbeBridge),
    );
    let handle =
        h.a.start_workflow(
            KeyedEchoCallerWorkflow::run,
            request("third"),
            WorkflowStartOptions::new(A_QUEUE, "key-3").build(),
        )
        .await
        .unwrap();
    let failure = tokio::time::timeout(
        RESULT_TIMEOUT,
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the call ends")
    .expect_err("the call from another source is refused");
    let text = format!("{failure:?}");
    assert!(text.contains("BridgeNotOwned"), "{text}");
    assert!(text.contains("keyed-echo-order-9"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_200_calls_reaches_b_at_the_destination_limit_and_every_call_completes() {
    const CALLS: usize = 200;
    const PER_SECOND: u32 = 20;
    let h = Harness::start().await;
    let limits = Limits {
        starts_per_second: Some(PER_SECOND),
        max_in_flight: None,
    };
    let (_bridge, metrics) = h
        .in_process_bridge_with_metrics(|w| w.limit("b", limits))
        .await;

    let results: Vec<_> = stream::iter(0..CALLS)
        .map(|i| {
            let h = &h;
            async move {
                let tag = format!("flood-{i}");
                let handle =
                    h.a.start_workflow(
                        EchoCallerWorkflow::run,
                        vec![tag.clone()],
                        WorkflowStartOptions::new(A_QUEUE, &tag).build(),
                    )
                    .await
                    .unwrap();
                (tag, result_of(&handle).await)
            }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let mut starts = Vec::new();
    for (tag, echoes) in &results {
        assert_eq!(echoes.len(), 1, "{tag}: {echoes:?}");
        assert_eq!(
            &echoes[0].tag, tag,
            "every call completes with its own result"
        );
        // When B started it, read from B itself (strongly consistent).
        let d = describe(&h.b, &echoes[0].remote_workflow_id).await;
        let started = d
            .workflow_execution_info
            .and_then(|i| i.start_time)
            .unwrap();
        starts.push(started.seconds as f64 + f64::from(started.nanos) / 1e9);
    }
    starts.sort_by(f64::total_cmp);
    let span = starts[CALLS - 1] - starts[0];
    let rate = (CALLS - 1) as f64 / span;
    eprintln!("flood: {CALLS} calls started on B over {span:.2} s: {rate:.1} per second");
    // Pacing holds the rate at the limit on any machine; a slow one only lowers it.
    assert!(
        rate <= f64::from(PER_SECOND) * 1.05,
        "{rate:.1}/s over the limit"
    );
    let text = scrape(&metrics).await;
    let waiting = sample(
        &text,
        "temporal_bridge_throttled",
        &["method=\"Probe.echo\""],
    );
    assert_eq!(
        waiting,
        Some(0.0),
        "no call waits once all are done: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_reaches_its_workflow_after_it_continued_as_new() {
    // The handle's wait is admitted on a run the bridge did not start itself: the last of a
    // continue-as-new chain. (This Rust callee copies the origin memo to each new run; for a
    // callee whose SDK does not, the gateway reads the chain's first run.)
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let handle =
        h.a.start_workflow(
            LateHandleCallerWorkflow::run,
            3,
            WorkflowStartOptions::new(A_QUEUE, "late-handle").build(),
        )
        .await
        .unwrap();
    let run_id = handle.run_id().unwrap().to_owned();
    let remote_id = h
        .remote_id_of_call("late-handle", &run_id, 0, Duration::from_secs(30))
        .await;
    // The precondition, strongly consistent: B's latest run of the id is the final one, closed.
    let deadline = std::time::Instant::now() + RESULT_TIMEOUT;
    while h.status_on_b(&remote_id).await
        != Some(
            temporalio_common::protos::temporal::api::enums::v1::WorkflowExecutionStatus::Completed,
        )
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{remote_id} did not complete"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latest = describe(&h.b, &remote_id)
        .await
        .workflow_execution_info
        .unwrap();
    let first_run = latest.first_run_id.clone();
    assert_ne!(
        latest.execution.unwrap().run_id,
        first_run,
        "the latest run is not the one the bridge started"
    );
    handle
        .signal(
            LateHandleCallerWorkflow::go,
            (),
            temporalio_client::WorkflowSignalOptions::default(),
        )
        .await
        .unwrap();
    let [id, result] = <[String; 2]>::try_from(result_of(&handle).await).unwrap();
    assert_eq!(id, remote_id);
    assert!(result.starts_with("reached zero in run"), "{result}");
    assert!(!result.ends_with(&first_run), "{result}");
}
