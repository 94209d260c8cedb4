//! The bridge's guarantees, on two real local Temporal clusters with real bridge processes.

use bridge_runtime::ids::{DEFAULT_MAX_ID_LEN, finalize_id};
use bridge_runtime::testing::{count_executions, history, scheduled_activities};
use std::{process::Command, time::Duration};
use temporal_bridge_tests::{
    A_QUEUE, BoundedSleepCallerWorkflow, CancellableSleepCallerWorkflow, CountdownCallerWorkflow,
    DetachedStartCallerWorkflow, EchoCallerWorkflow, FailCallerWorkflow, FailKeyedCallerWorkflow,
    FlakyCallerWorkflow, ForgedCallerWorkflow, GateCall, HandleCancelCallerWorkflow, Harness,
    KeyedEchoCallerWorkflow, KeyedRequest, LongGate, LongGateCallerWorkflow, MailboxCallerWorkflow,
    MailboxWithStartCallerWorkflow, OverrideCallerWorkflow, ProbeBridge, RESULT_TIMEOUT,
    SignalNowhereCallerWorkflow, StartThenWaitCallerWorkflow, result_of, run_on_a, wait_for_line,
};
use temporalio_client::tonic::IntoRequest;
use temporalio_client::{WorkflowCancelOptions, WorkflowStartOptions, WorkflowTerminateOptions};
use temporalio_common::{
    UntypedWorkflow,
    protos::temporal::api::{
        common::v1::WorkflowExecution,
        enums::v1::HistoryEventFilterType,
        enums::v1::WorkflowExecutionStatus,
        history::v1::{ActivityTaskScheduledEventAttributes, history_event::Attributes},
        workflowservice::v1::GetWorkflowExecutionHistoryRequest,
    },
};

const BRIDGE: &str = env!("CARGO_BIN_EXE_test-bridge");

/// The first activity a run on A scheduled: its bridge call.
async fn bridge_activity_scheduled(
    h: &Harness,
    workflow_id: &str,
    run_id: &str,
) -> ActivityTaskScheduledEventAttributes {
    history(&h.a, workflow_id, run_id)
        .await
        .expect("history of A")
        .into_iter()
        .find_map(|e| match e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => Some(a),
            _ => None,
        })
        .expect("the bridge activity was scheduled")
}

/// The execution timeout B recorded for the latest run of `workflow_id`, in seconds.
async fn execution_timeout_secs_on_b(h: &Harness, workflow_id: &str) -> Option<i64> {
    let remote = history(&h.b, workflow_id, "").await.expect("history of B");
    match remote.first().and_then(|e| e.attributes.as_ref()) {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
            a.workflow_execution_timeout.as_ref().map(|d| d.seconds)
        }
        other => panic!("first event of {workflow_id} on B: {other:?}"),
    }
}

/// The activity types a run on A scheduled, in order.
async fn activity_types(h: &Harness, workflow_id: &str, run_id: &str) -> Vec<String> {
    scheduled_activities(&h.a, workflow_id, run_id)
        .await
        .expect("history of A")
        .into_iter()
        .map(|a| a.activity_type)
        .collect()
}

/// Starts a `gate` call on A under `workflow_id`, and waits until a bridge holds it on its
/// first attempt while its remote workflow runs on B, gate closed.
async fn start_held_gate_call(h: &Harness, workflow_id: &str) -> GateCall {
    let call = h.start_gate_call(workflow_id).await;
    h.wait_gates_running(std::slice::from_ref(&call)).await;
    h.assert_held_and_running(std::slice::from_ref(&call), 1)
        .await;
    call
}

/// The first activity of `call`'s run on A: its bridge call.
async fn bridge_call_of(
    h: &Harness,
    call: &GateCall,
) -> bridge_runtime::testing::ScheduledActivity {
    scheduled_activities(&h.a, &call.workflow_id, &call.run_id)
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_returns_b_result_under_the_deterministic_id() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (echoes, run_id) = run_on_a(
        &h,
        EchoCallerWorkflow::run,
        vec!["hello".to_owned()],
        "happy",
    )
    .await;
    assert_eq!(echoes.len(), 1);
    assert_eq!(echoes[0].tag, "hello");

    let expected = h
        .remote_id_of_call("happy", &run_id, 0, Duration::from_secs(5))
        .await;
    assert_eq!(
        echoes[0].remote_workflow_id, expected,
        "B ran it under the deterministic id"
    );
    assert!(
        expected.starts_with("Probe.echo/a/default/happy/"),
        "{expected}"
    );
    assert_eq!(count_executions(&h.b, &expected).await.unwrap(), 1);

    // The execution on B says who started it, in its memo.
    let remote = temporal_bridge_tests::describe(&h.b, &expected).await;
    let memo = remote
        .workflow_execution_info
        .and_then(|i| i.memo)
        .expect("a memo on B's execution");
    let origin: bridge_runtime::wire::Origin =
        serde_json::from_slice(&memo.fields[bridge_runtime::wire::ORIGIN_MEMO].data)
            .expect("the origin memo is JSON");
    assert_eq!(
        origin,
        bridge_runtime::wire::Origin {
            source_cluster: "a".into(),
            namespace: "default".into(),
            workflow_id: Some("happy".into()),
            run_id: Some(run_id.clone()),
            method: "Probe.echo".into(),
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_killed_while_waiting_another_takes_over_with_exactly_one_execution() {
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process(BRIDGE);
    let call = start_held_gate_call(&h, "killed-while-waiting").await;

    first.kill(); // SIGKILL while the bridge waits on the running remote workflow
    let _second = h.spawn_bridge_process(BRIDGE);
    // The phase: the second bridge holds the call while the remote workflow still runs.
    h.wait_taken_over(std::slice::from_ref(&call), Duration::from_secs(60))
        .await;
    assert_eq!(
        h.status_on_b(&call.remote_id).await,
        Some(WorkflowExecutionStatus::Running)
    );
    h.open_gate(&call.remote_id).await;

    assert_eq!(h.gate_result(&call).await, call.expected());
    assert_eq!(count_executions(&h.b, &call.remote_id).await.unwrap(), 1);
    let attempt = bridge_call_of(&h, &call).await.started_attempt;
    assert!(
        attempt >= Some(2),
        "the second bridge finished the call on a retry: {attempt:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_killed_after_remote_closed_retry_attaches_to_the_closed_execution() {
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process(BRIDGE);
    let call = start_held_gate_call(&h, "killed-after-close").await;

    // Freeze the bridge so that it cannot report, let the remote workflow close, then kill it.
    first.freeze();
    h.open_gate(&call.remote_id).await;
    let on_b =
        h.b.get_workflow_handle::<UntypedWorkflow>(call.remote_id.clone());
    tokio::time::timeout(RESULT_TIMEOUT, on_b.get_result(Default::default()))
        .await
        .expect("remote workflow did not close")
        .expect("remote workflow failed");
    assert!(
        h.call_state_on_a(&call.workflow_id).await.is_some(),
        "closed on B, not reported to A"
    );
    first.kill();
    let _second = h.spawn_bridge_process(BRIDGE);

    assert_eq!(h.gate_result(&call).await, call.expected());
    assert_eq!(
        count_executions(&h.b, &call.remote_id).await.unwrap(),
        1,
        "the retry attached instead of starting a second execution"
    );
    let attempt = bridge_call_of(&h, &call).await.started_attempt;
    assert!(attempt >= Some(2), "{attempt:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_in_flight_call_before_the_bridge_exits() {
    let h = Harness::start().await;
    let log = std::env::temp_dir().join(format!("bridge-drained-{}.log", std::process::id()));
    let mut only =
        h.spawn_bridge_process_logged(BRIDGE, &[("RUST_LOG", "bridge_runtime=info")], &log);
    let call = start_held_gate_call(&h, "drained").await;

    // No other bridge exists: the call can only finish if this one drains it, and its remote
    // workflow closes only once the bridge has begun to drain.
    only.terminate();
    wait_for_line(&log, "stop requested", Duration::from_secs(30)).await;
    h.open_gate(&call.remote_id).await;
    let status = tokio::task::spawn_blocking(move || {
        let status = only.wait_exit(Duration::from_secs(30));
        (status, only)
    })
    .await
    .unwrap()
    .0;
    let _ = std::fs::remove_file(&log);
    assert!(status.success(), "bridge exited with {status}");

    assert_eq!(h.gate_result(&call).await, call.expected());
    assert_eq!(
        bridge_call_of(&h, &call).await.started_attempt,
        Some(1),
        "finished by the draining bridge"
    );
    assert_eq!(count_executions(&h.b, &call.remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_longer_than_several_long_polls_stays_in_one_attempt() {
    // Cluster B answers a history long-poll after 2 s at most, so a remote workflow whose gate
    // opens after 5 s spans several long-poll rounds; each empty answer must lead to another
    // poll, not a failed attempt.
    let h = Harness::start_with_args(&[
        "--dynamic-config-value",
        "history.longPollExpirationInterval=\"2s\"",
    ])
    .await;
    let _bridge = h.in_process_bridge();
    let call = start_held_gate_call(&h, "long-wait").await;
    let remote_id = call.remote_id.clone();

    // Precondition, so that this test can fail: a close-event long-poll on the running remote
    // workflow really does come back empty long before it closes.
    let started = std::time::Instant::now();
    let mut raw = h.b.clone();
    let response = temporalio_client::grpc::WorkflowService::get_workflow_execution_history(
        &mut raw,
        GetWorkflowExecutionHistoryRequest {
            namespace: "default".into(),
            execution: Some(WorkflowExecution {
                workflow_id: remote_id.clone(),
                run_id: String::new(),
            }),
            wait_new_event: true,
            history_event_filter_type: HistoryEventFilterType::CloseEvent as i32,
            ..Default::default()
        }
        .into_request(),
    )
    .await
    .expect("long-poll on B")
    .into_inner();
    let events = response.history.map(|h| h.events.len()).unwrap_or(0);
    assert_eq!(events, 0, "the remote workflow should still be running");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "long-poll took {:?}",
        started.elapsed()
    );

    // Several more empty long-poll rounds pass before the gate opens. Waiting longer only
    // makes the test stricter.
    tokio::time::sleep(Duration::from_secs(5)).await;
    h.open_gate(&remote_id).await;
    assert_eq!(h.gate_result(&call).await, call.expected());
    let scheduled = bridge_call_of(&h, &call).await;
    assert_eq!(scheduled.started_attempt, Some(1), "{scheduled:?}");
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_as_new_is_followed_to_the_final_run() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (result, run_id) = run_on_a(&h, CountdownCallerWorkflow::run, 3u32, "countdown").await;

    let remote_id = h
        .remote_id_of_call("countdown", &run_id, 0, Duration::from_secs(5))
        .await;
    let latest =
        h.b.get_workflow_handle::<UntypedWorkflow>(remote_id.clone())
            .describe(Default::default())
            .await
            .unwrap();
    let final_run = latest
        .raw_description
        .workflow_execution_info
        .unwrap()
        .execution
        .unwrap()
        .run_id;
    assert_eq!(
        result,
        format!("reached zero in run {final_run}"),
        "the final run's result"
    );
    assert_eq!(
        count_executions(&h.b, &remote_id).await.unwrap(),
        4,
        "one chain: the started run and its three continuations"
    );
    let call = &scheduled_activities(&h.a, "countdown", &run_id)
        .await
        .unwrap()[0];
    assert_eq!(call.started_attempt, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_calls_get_two_executions_and_a_new_run_does_not_get_the_old_result() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let first_run =
        h.a.start_workflow(
            EchoCallerWorkflow::run,
            vec!["x".to_owned(), "x".to_owned()],
            WorkflowStartOptions::new(A_QUEUE, "reused-id").build(),
        )
        .await
        .unwrap();
    let first = result_of(&first_run).await;
    assert_eq!(first.len(), 2);
    assert_ne!(
        first[0].remote_workflow_id, first[1].remote_workflow_id,
        "the same method called twice with the same argument is two remote executions"
    );
    for echo in &first {
        assert_eq!(
            count_executions(&h.b, &echo.remote_workflow_id)
                .await
                .unwrap(),
            1
        );
    }

    // A new run under the same workflow id: its calls are new calls.
    let second_run =
        h.a.start_workflow(
            EchoCallerWorkflow::run,
            vec!["y".to_owned()],
            WorkflowStartOptions::new(A_QUEUE, "reused-id").build(),
        )
        .await
        .unwrap();
    assert_ne!(first_run.run_id(), second_run.run_id());
    let second = result_of(&second_run).await;
    assert_eq!(
        second[0].tag, "y",
        "the new run got its own result, not the old run's"
    );
    assert!(
        !first
            .iter()
            .any(|e| e.remote_workflow_id == second[0].remote_workflow_id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_remote_workflow_is_a_typed_error_and_is_not_retried() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(&h, FailCallerWorkflow::run, "widgets".to_owned(), "fails").await;
    assert!(seen.starts_with("RemoteFailed"), "{seen}");
    assert!(seen.contains("failure_type: \"OutOfStock\""), "{seen}");
    assert!(seen.contains("message: \"no widgets left\""), "{seen}");
    assert!(seen.contains("method: \"Probe.fail\""), "{seen}");

    let remote_id = h
        .remote_id_of_call("fails", &run_id, 0, Duration::from_secs(5))
        .await;
    assert!(
        seen.contains(&remote_id),
        "the error names the remote id: {seen}"
    );
    let call = &scheduled_activities(&h.a, "fails", &run_id).await.unwrap()[0];
    assert_eq!(
        call.started_attempt,
        Some(1),
        "non-retryable: one attempt only"
    );
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn timeouts_from_the_attribute_reach_both_clusters_and_a_remote_timeout_is_typed() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(&h, BoundedSleepCallerWorkflow::run, 30u64, "bounded").await;
    assert!(seen.starts_with("RemoteTimedOut"), "{seen}");
    assert!(seen.contains("method: \"Probe.bounded_sleep\""), "{seen}");

    // `heartbeat_timeout = "2s"` on the bridge activity in A.
    let scheduled = bridge_activity_scheduled(&h, "bounded", &run_id).await;
    assert_eq!(
        scheduled.heartbeat_timeout.map(|d| d.seconds),
        Some(2),
        "{scheduled:?}"
    );
    // `execution_timeout = "2s"` on the remote workflow in B, which timed out there.
    let remote_id = h
        .remote_id_of_call("bounded", &run_id, 0, Duration::from_secs(5))
        .await;
    assert_eq!(execution_timeout_secs_on_b(&h, &remote_id).await, Some(2));
    let remote = history(&h.b, &remote_id, "").await.unwrap();
    assert!(
        matches!(
            remote.last().and_then(|e| e.attributes.as_ref()),
            Some(Attributes::WorkflowExecutionTimedOutEventAttributes(_))
        ),
        "B's execution timed out"
    );
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn id_template_makes_calls_with_one_business_key_share_one_execution() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let call = |workflow_id: &'static str, key: String, tag: &str| {
        let request = KeyedRequest {
            key,
            tag: tag.to_owned(),
        };
        let a = h.a.clone();
        async move {
            let handle = a
                .start_workflow(
                    KeyedEchoCallerWorkflow::run,
                    request,
                    WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
                )
                .await
                .unwrap();
            result_of(&handle).await
        }
    };
    // Unusual characters are kept, control characters percent-encoded.
    let key = "order 7/ü\n".to_owned();
    let first = call("keyed-1", key.clone(), "first").await;
    assert_eq!(first.tag, "first");
    assert_eq!(first.remote_workflow_id, "keyed-echo-order 7/ü%0A");
    let raw = ProbeBridge::keyed_echo_remote_id(&KeyedRequest {
        key: key.clone(),
        tag: "any".into(),
    });
    assert_eq!(
        finalize_id(&raw, DEFAULT_MAX_ID_LEN),
        first.remote_workflow_id
    );

    // Another workflow with the same key attaches to the closed execution's result.
    let second = call("keyed-2", key, "second").await;
    assert_eq!(second, first, "same key: the first execution's result");
    assert_eq!(
        count_executions(&h.b, &first.remote_workflow_id)
            .await
            .unwrap(),
        1
    );

    // A key that makes the id too long is capped with a hash suffix, and still works.
    let long = call("keyed-3", "k".repeat(1200), "long").await;
    assert_eq!(long.tag, "long");
    assert_eq!(long.remote_workflow_id.len(), DEFAULT_MAX_ID_LEN);
    assert!(long.remote_workflow_id.starts_with("keyed-echo-kkk"));
}

/// Waits up to `timeout` for `workflow_id` on B to reach `want`.
async fn wait_status_on_b(
    h: &Harness,
    workflow_id: &str,
    want: WorkflowExecutionStatus,
    timeout: Duration,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let now = h.status_on_b(workflow_id).await;
        if now == Some(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{workflow_id} on B is {now:?}, not {want:?}, after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_caller_cancels_terminates_or_abandons_the_remote_workflow() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    for (mode, remote_after) in [
        ("cancel", WorkflowExecutionStatus::Canceled),
        ("terminate", WorkflowExecutionStatus::Terminated),
        ("abandon", WorkflowExecutionStatus::Running),
    ] {
        let workflow_id = format!("cancel-{mode}");
        let handle =
            h.a.start_workflow(
                CancellableSleepCallerWorkflow::run,
                mode.to_owned(),
                WorkflowStartOptions::new(A_QUEUE, &workflow_id).build(),
            )
            .await
            .unwrap();
        let run_id = handle.run_id().unwrap().to_owned();
        let remote_id = h
            .remote_id_of_call(&workflow_id, &run_id, 0, Duration::from_secs(10))
            .await;
        h.wait_running_on_b(&remote_id, Duration::from_secs(10))
            .await;
        assert_eq!(
            h.status_on_b(&remote_id).await,
            Some(WorkflowExecutionStatus::Running)
        );

        handle
            .cancel(WorkflowCancelOptions::builder().reason("test").build())
            .await
            .unwrap();
        // The bridge hears of it on its next heartbeat (5 s timeout: within about 4 s).
        let seen = result_of(&handle).await;
        assert!(seen.starts_with("Cancelled"), "{mode}: {seen}");
        wait_status_on_b(&h, &remote_id, remote_after, Duration::from_secs(15)).await;
        if remote_after == WorkflowExecutionStatus::Running {
            // Abandoned: still running a while after the caller resolved.
            tokio::time::sleep(Duration::from_secs(2)).await;
            assert_eq!(
                h.status_on_b(&remote_id).await,
                Some(WorkflowExecutionStatus::Running),
                "abandon leaves the remote workflow alone"
            );
        }
        assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_stopping_past_its_grace_period_leaves_the_remote_workflow_running() {
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process_with(BRIDGE, &[("TEST_BRIDGE_GRACE_MS", "300")]);
    let call = start_held_gate_call(&h, "outlived").await;

    // The grace period runs out with the call in flight: the SDK cancels the activity, which
    // must not be taken for the caller's cancel request.
    first.terminate();
    tokio::task::spawn_blocking(move || first.wait_exit(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(
        h.status_on_b(&call.remote_id).await,
        Some(WorkflowExecutionStatus::Running),
        "a stopping bridge leaves the remote workflow alone"
    );

    // Another bridge takes the call over after the heartbeat timeout and attaches to the
    // running remote workflow; only then does the gate open.
    let _second = h.in_process_bridge();
    h.wait_taken_over(std::slice::from_ref(&call), Duration::from_secs(60))
        .await;
    h.open_gate(&call.remote_id).await;
    assert_eq!(h.gate_result(&call).await, call.expected());
    let attempt = bridge_call_of(&h, &call).await.started_attempt;
    assert!(attempt >= Some(2), "{attempt:?}");
    assert_eq!(count_executions(&h.b, &call.remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_handle_waits_for_the_result_through_the_bridge() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(
        &h,
        StartThenWaitCallerWorkflow::run,
        2u64,
        "start-then-wait",
    )
    .await;
    let remote_id = h
        .remote_id_of_call("start-then-wait", &run_id, 0, Duration::from_secs(5))
        .await;
    assert_eq!(seen, vec![remote_id.clone(), "slept 2".to_owned()]);
    let kinds = activity_types(&h, "start-then-wait", &run_id).await;
    assert_eq!(
        kinds,
        ["bridge.Probe.sleep.start", "bridge.Probe.sleep.wait"]
    );
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_and_id_reuse_policies_from_the_attribute_reach_cluster_b() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let run = |wf_id: &'static str| {
        let a = h.a.clone();
        async move {
            let handle = a
                .start_workflow(
                    FlakyCallerWorkflow::run,
                    1u32,
                    WorkflowStartOptions::new(A_QUEUE, wf_id).build(),
                )
                .await
                .unwrap();
            result_of(&handle).await
        }
    };
    // `workflow_retry(max_attempts = 3, ...)`: B retries the remote workflow, which the server
    // would not do by default.
    assert_eq!(run("flaky").await, "ok on attempt 2");

    // `id_reuse_policy = "allow_duplicate_failed_only"`: a failed execution under a business key
    // may be replaced by a later call with the same key.
    let fail_keyed = |wf_id: &'static str| {
        let a = h.a.clone();
        async move {
            let handle = a
                .start_workflow(
                    FailKeyedCallerWorkflow::run,
                    "widgets".to_owned(),
                    WorkflowStartOptions::new(A_QUEUE, wf_id).build(),
                )
                .await
                .unwrap();
            result_of(&handle).await
        }
    };
    for wf_id in ["restock-1", "restock-2"] {
        let seen = fail_keyed(wf_id).await;
        assert!(seen.starts_with("RemoteFailed"), "{seen}");
    }
    assert_eq!(
        count_executions(&h.b, "restock-widgets").await.unwrap(),
        2,
        "the second call started a new execution after the failed one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn per_call_overrides_replace_the_attribute_values() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(&h, OverrideCallerWorkflow::run, 0u32, "overrides").await;
    assert!(seen.starts_with("RemoteTimedOut"), "{seen}");
    assert!(seen.contains("\"named-overridden\""), "{seen}");
    let scheduled = bridge_activity_scheduled(&h, "overrides", &run_id).await;
    assert_eq!(scheduled.heartbeat_timeout.map(|d| d.seconds), Some(3));
    assert_eq!(
        execution_timeout_secs_on_b(&h, "named-overridden").await,
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signal_with_start_and_update_with_start_share_one_keyed_execution() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(
        &h,
        MailboxWithStartCallerWorkflow::run,
        "k1".to_owned(),
        "with-start",
    )
    .await;
    assert_eq!(seen, ["mailbox-k1", "mailbox-k1", "2", "first,second,done"]);
    assert_eq!(
        activity_types(&h, "with-start", &run_id).await,
        [
            "bridge.Probe.note_or_start.with_start",
            "bridge.Probe.append_or_start.with_start",
            "bridge.Probe.note_or_start",
            "bridge.Probe.keyed_mailbox.wait",
        ]
    );
    assert_eq!(count_executions(&h.b, "mailbox-k1").await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handle_cancels_its_remote_workflow() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(&h, HandleCancelCallerWorkflow::run, 0u32, "handle-cancel").await;
    assert!(seen.starts_with("RemoteCancelled"), "{seen}");
    let remote_id = h
        .remote_id_of_call("handle-cancel", &run_id, 0, Duration::from_secs(5))
        .await;
    assert_eq!(
        h.status_on_b(&remote_id).await,
        Some(WorkflowExecutionStatus::Canceled)
    );
    let kinds = activity_types(&h, "handle-cancel", &run_id).await;
    assert_eq!(
        kinds,
        [
            "bridge.Probe.sleep.start",
            "bridge.Probe.sleep.cancel",
            "bridge.Probe.sleep.wait"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_detached_start_returns_once_the_remote_workflow_runs() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (remote_id, run_id) =
        run_on_a(&h, DetachedStartCallerWorkflow::run, 60u64, "detached").await;
    assert_eq!(
        remote_id,
        h.remote_id_of_call("detached", &run_id, 0, Duration::from_secs(5))
            .await
    );
    // The caller is done; the remote workflow runs on.
    assert_eq!(
        h.status_on_b(&remote_id).await,
        Some(WorkflowExecutionStatus::Running)
    );
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn signals_queries_and_updates_reach_the_remote_workflow_through_the_bridge() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let (seen, run_id) = run_on_a(&h, MailboxCallerWorkflow::run, 0u32, "mailbox").await;
    assert_eq!(seen, ["2", "first,second", "first,second,done"]);
    let kinds = activity_types(&h, "mailbox", &run_id).await;
    assert_eq!(
        kinds,
        [
            "bridge.Probe.mailbox.start",
            "bridge.Probe.add_note",
            "bridge.Probe.append",
            "bridge.Probe.read_notes",
            "bridge.Probe.add_note",
            "bridge.Probe.mailbox.wait",
        ]
    );

    // A signal to a workflow that B does not have is a typed, non-retried error.
    let (seen, nowhere_run) = run_on_a(
        &h,
        SignalNowhereCallerWorkflow::run,
        "no-such-workflow".to_owned(),
        "signal-nowhere",
    )
    .await;
    assert!(seen.starts_with("RemoteNotFound"), "{seen}");
    assert!(seen.contains("no-such-workflow"), "{seen}");
    let call = &scheduled_activities(&h.a, "signal-nowhere", &nowhere_run)
        .await
        .unwrap()[0];
    assert_eq!(call.started_attempt, Some(1), "not retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_workflow_cancelled_or_terminated_on_b_is_a_typed_error_in_a() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    // Each in the call's first activity, and in a long wait.
    for (workflow_id, terminate, expected, mode) in [
        ("outcome-cancelled", false, "RemoteCancelled", "cancel"),
        ("outcome-terminated", true, "RemoteTerminated", "cancel"),
        (
            "outcome-cancelled-long",
            false,
            "RemoteCancelled",
            "long-cancel",
        ),
        (
            "outcome-terminated-long",
            true,
            "RemoteTerminated",
            "long-cancel",
        ),
    ] {
        let handle =
            h.a.start_workflow(
                CancellableSleepCallerWorkflow::run,
                mode.to_owned(),
                WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
            )
            .await
            .unwrap();
        let run_id = handle.run_id().unwrap().to_owned();
        let remote_id = h
            .remote_id_of_call(workflow_id, &run_id, 0, Duration::from_secs(10))
            .await;
        h.wait_running_on_b(&remote_id, Duration::from_secs(10))
            .await;
        if mode.starts_with("long-") {
            h.wait_long_wait_held(workflow_id, 1, Duration::from_secs(30))
                .await;
        }
        // Someone on cluster B ends the remote workflow; the caller on A learns how.
        let remote = h.b.get_workflow_handle::<UntypedWorkflow>(&remote_id);
        if terminate {
            remote
                .terminate(WorkflowTerminateOptions::builder().reason("ops").build())
                .await
                .unwrap();
        } else {
            remote
                .cancel(WorkflowCancelOptions::builder().reason("ops").build())
                .await
                .unwrap();
        }
        let seen = result_of(&handle).await;
        assert!(seen.starts_with(expected), "{workflow_id}: {seen}");
        assert!(seen.contains(&remote_id), "{seen}");
        let call = &scheduled_activities(&h.a, workflow_id, &run_id)
            .await
            .unwrap()[0];
        assert_eq!(call.started_attempt, Some(1), "not retried: {call:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_bridge_inputs_are_refused_with_a_reason() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    let run = |kind: &'static str| {
        let a = h.a.clone();
        async move {
            let handle = a
                .start_workflow(
                    ForgedCallerWorkflow::run,
                    kind.to_owned(),
                    WorkflowStartOptions::new(A_QUEUE, format!("forged-{kind}")).build(),
                )
                .await
                .unwrap();
            let run_id = handle.run_id().unwrap().to_owned();
            (result_of(&handle).await, run_id)
        }
    };

    // A header that is not JSON: refused before anything is started, and not retried.
    let (seen, run_id) = run("text-header").await;
    assert!(seen.starts_with("BridgeBadPayload: "), "{seen}");
    assert!(
        seen.contains("json/plain"),
        "names what it expected: {seen}"
    );
    let call = &scheduled_activities(&h.a, "forged-text-header", &run_id)
        .await
        .unwrap()[0];
    assert_eq!(call.started_attempt, Some(1), "not retried: {call:?}");

    // An activity type that no registered trait declares: this bridge has nothing to run, so
    // nothing can reach cluster B through it.
    let (seen, _) = run("undeclared").await;
    assert!(
        seen.contains("not_declared") || seen.contains("not registered"),
        "{seen}"
    );
}

#[test]
fn bridge_missing_a_cluster_refuses_to_start_and_names_it() {
    let out = Command::new(BRIDGE)
        .env_remove("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS")
        .env("TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS", "127.0.0.1:1")
        .output()
        .expect("run test-bridge");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needs cluster `b`") && stderr.contains("`echo`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_wait_is_handed_over_and_survives_its_bridge_with_one_execution() {
    let h = Harness::start().await;
    let mut first = h.spawn_bridge_process(BRIDGE);
    let workflow_id = "long-wait-killed";
    let handle =
        h.a.start_workflow(
            LongGateCallerWorkflow::run,
            LongGate {
                label: workflow_id.to_owned(),
                after_ms: 1,
                heartbeat_ms: Some(10_000),
            },
            WorkflowStartOptions::new(A_QUEUE, workflow_id).build(),
        )
        .await
        .unwrap();
    let run_id = handle.run_id().unwrap().to_owned();
    let remote_id = h
        .remote_id_of_call(workflow_id, &run_id, 0, Duration::from_secs(30))
        .await;
    // The phase: the first activity has handed the call over, and a bridge holds its long
    // wait, whose heartbeat timeout is the long one, while the gate is closed on B.
    let held = h
        .wait_long_wait_held(workflow_id, 1, Duration::from_secs(60))
        .await;
    assert_eq!(
        held.activity_type.as_ref().map(|t| t.name.as_str()),
        Some("bridge.Probe.gate.wait")
    );
    let pending_timeout = describe_heartbeat_timeout(&h, workflow_id).await;
    assert_eq!(
        pending_timeout,
        Some(10),
        "the long wait's heartbeat timeout, in seconds"
    );
    assert_eq!(
        h.status_on_b(&remote_id).await,
        Some(WorkflowExecutionStatus::Running)
    );

    first.kill(); // SIGKILL while the bridge holds the long wait
    let _second = h.spawn_bridge_process(BRIDGE);
    h.wait_long_wait_held(workflow_id, 2, Duration::from_secs(60))
        .await;
    assert_eq!(
        h.status_on_b(&remote_id).await,
        Some(WorkflowExecutionStatus::Running)
    );
    h.open_gate(&remote_id).await;

    assert_eq!(result_of(&handle).await, format!("opened {workflow_id}"));
    assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
    assert_eq!(
        activity_types(&h, workflow_id, &run_id).await,
        ["bridge.Probe.gate", "bridge.Probe.gate.wait"]
    );
}

/// The heartbeat timeout, in whole seconds, of the bridge activity `workflow_id` has pending
/// on A, read from its history's scheduled event (describe does not carry it).
async fn describe_heartbeat_timeout(h: &Harness, workflow_id: &str) -> Option<i64> {
    let pending = h.pending_activities_on_a(workflow_id).await;
    let id = &pending.first()?.activity_id;
    history(&h.a, workflow_id, "")
        .await
        .expect("history of A")
        .into_iter()
        .find_map(|e| match e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) if &a.activity_id == id => {
                a.heartbeat_timeout.map(|d| d.seconds)
            }
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_long_wait_reaches_b_at_once_not_at_its_next_heartbeat() {
    let h = Harness::start().await;
    let _bridge = h.in_process_bridge();
    // The long wait heartbeats against a 10 min timeout: a cancellation carried by its
    // heartbeat would reach the bridge only after 200 s (its first heartbeat) or later.
    for (mode, method, remote_after) in [
        ("cancel", "sleep", WorkflowExecutionStatus::Canceled),
        (
            "terminate",
            "sleep_terminate",
            WorkflowExecutionStatus::Terminated,
        ),
        ("abandon", "sleep_abandon", WorkflowExecutionStatus::Running),
    ] {
        let workflow_id = format!("long-cancel-{mode}");
        let handle =
            h.a.start_workflow(
                CancellableSleepCallerWorkflow::run,
                format!("long-{mode}"),
                WorkflowStartOptions::new(A_QUEUE, &workflow_id).build(),
            )
            .await
            .unwrap();
        let run_id = handle.run_id().unwrap().to_owned();
        let remote_id = h
            .remote_id_of_call(&workflow_id, &run_id, 0, Duration::from_secs(30))
            .await;
        h.wait_long_wait_held(&workflow_id, 1, Duration::from_secs(60))
            .await;
        assert_eq!(
            h.status_on_b(&remote_id).await,
            Some(WorkflowExecutionStatus::Running)
        );

        let cancelled_at = std::time::Instant::now();
        handle
            .cancel(WorkflowCancelOptions::builder().reason("test").build())
            .await
            .unwrap();
        let seen = result_of(&handle).await;
        assert!(seen.starts_with("Cancelled"), "{mode}: {seen}");
        // Far below the 200 s a heartbeat would take, and far above what any machine needs
        // to run one activity.
        wait_status_on_b(&h, &remote_id, remote_after, Duration::from_secs(60)).await;
        eprintln!(
            "{mode}: the caller's cancellation reached B after {:.1} s",
            cancelled_at.elapsed().as_secs_f64()
        );
        // The act on the remote workflow is an activity of its own; abandon has none.
        let mut expected = vec![
            format!("bridge.Probe.{method}"),
            format!("bridge.Probe.{method}.wait"),
        ];
        let abandoned = remote_after == WorkflowExecutionStatus::Running;
        if !abandoned {
            expected.push(format!("bridge.Probe.{method}.cancel"));
        }
        assert_eq!(activity_types(&h, &workflow_id, &run_id).await, expected);
        if abandoned {
            // Abandoned: still running a while after the caller resolved.
            tokio::time::sleep(Duration::from_secs(2)).await;
            assert_eq!(
                h.status_on_b(&remote_id).await,
                Some(WorkflowExecutionStatus::Running),
                "abandon leaves the remote workflow alone"
            );
        }
        assert_eq!(count_executions(&h.b, &remote_id).await.unwrap(), 1);
    }
}
