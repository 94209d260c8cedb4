//! The wire contract (`docs/WIRE.md`) from another SDK: the official Python SDK, installed by
//! the test kit, calls the bridge by name from a workflow on cluster A and serves a workflow on
//! cluster B (`tests/python/bridge_sdk.py`), on two real local clusters with an in-process
//! bridge.

use bridge_runtime::ids::CallSite;
use bridge_runtime::prelude::*;
use bridge_runtime::testing::{ChildGuard, WorkerThread, history, python_sdk};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use temporal_bridge_tests::{Harness, ProbeBridge, RESULT_TIMEOUT, result_of};
use temporalio_client::{WorkflowCancelOptions, WorkflowHandle, WorkflowStartOptions};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use temporalio_common::{HasWorkflowDefinition, WorkflowDefinition};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

/// A Python workflow on B, called from Rust on A.
#[bridge]
pub trait Greeter {
    #[remote_workflow(cluster = "b", queue = "py-b", workflow = "PyGreet")]
    async fn greet(name: String) -> String;
}

/// The Rust caller on A of the Python workflow.
#[workflow]
#[derive(Default)]
pub struct GreetCallerWorkflow;

#[workflow_methods]
impl GreetCallerWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
        Ok(GreeterCaller::greet(ctx, name).await?)
    }
}

const RUST_CALLER_QUEUE: &str = "py-rust-a";

/// A workflow of the Python worker, by its type name, with JSON in and out.
struct Python(&'static str);

impl WorkflowDefinition for Python {
    type Input = Value;
    type Output = Value;
    fn name(&self) -> &str {
        self.0
    }
}

impl HasWorkflowDefinition for Python {
    type Run = Self;
}

/// Clusters, the probe workers, a bridge serving `Probe` and `Greeter`, a Rust caller of
/// `Greeter` on A, and the Python workers.
struct Setup {
    h: Harness,
    _bridge: WorkerThread,
    _rust_caller: WorkerThread,
    _python: ChildGuard,
}

impl Setup {
    async fn start() -> Setup {
        let sdk = python_sdk().await.expect("the Python SDK");
        let h = Harness::start().await;
        let bridge = WorkerThread::bridge(
            "bridge",
            BridgeWorker::new(h.clusters.pool(), "a")
                .register(ProbeBridge)
                .register(GreeterBridge),
        );
        let options = temporalio_sdk::WorkerOptions::new(RUST_CALLER_QUEUE)
            .register_workflow::<GreetCallerWorkflow>()
            .unwrap()
            .build();
        let rust_caller = WorkerThread::sdk("py-rust-a", h.a.clone(), options);
        let python = spawn_python(&sdk, &h).await;
        Setup {
            h,
            _bridge: bridge,
            _rust_caller: rust_caller,
            _python: python,
        }
    }

    /// Starts `PyCaller` on A under `workflow_id` with `call`.
    async fn start_python_call(
        &self,
        workflow_id: &str,
        call: Value,
    ) -> WorkflowHandle<temporalio_client::Client, Python> {
        self.h
            .a
            .start_workflow(
                Python("PyCaller"),
                call,
                WorkflowStartOptions::new("py-a", workflow_id).build(),
            )
            .await
            .expect("start PyCaller on A")
    }

    /// Runs `PyCaller` on A under `workflow_id` with `call`; its result and run id.
    async fn python_call(&self, workflow_id: &str, call: Value) -> (Value, String) {
        let handle = self.start_python_call(workflow_id, call).await;
        let run_id = handle.run_id().expect("run id").to_owned();
        (result_of(&handle).await, run_id)
    }
}

/// Runs `tests/python/bridge_sdk.py` against A and B, and waits for it to say `ready`.
async fn spawn_python(sdk: &bridge_runtime::testing::PythonSdk, h: &Harness) -> ChildGuard {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bridge_sdk.py");
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-workers.log");
    let mut cmd: Command = sdk.command(script);
    cmd.arg(h.clusters.server("a").address())
        .arg(h.clusters.server("b").address())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut child = ChildGuard::spawn(&mut cmd).expect("spawn the Python workers");
    let stdout = child.take_stdout().expect("piped stdout");
    let first = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::task::spawn_blocking(move || BufReader::new(stdout).lines().next()),
    )
    .await
    .expect("the Python workers said nothing in 120 s")
    .unwrap();
    assert!(
        matches!(&first, Some(Ok(line)) if line == "ready"),
        "the Python workers did not start: {first:?}; log: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    child
}

/// The default remote id of `PyCaller`'s call, by the documented scheme: the bridge activity's
/// id in A's history is the call's position.
async fn remote_id_of_python_call(
    h: &Harness,
    method: &str,
    workflow_id: &str,
    run_id: &str,
) -> String {
    let scheduled = bridge_runtime::testing::scheduled_activities(&h.a, workflow_id, run_id)
        .await
        .expect("history of A");
    let call = scheduled
        .iter()
        .find(|s| s.activity_type.starts_with("bridge."))
        .expect("PyCaller scheduled a bridge activity");
    let (trait_name, method_name) = method.split_once('.').unwrap();
    bridge_runtime::ids::default_remote_id(
        trait_name,
        method_name,
        &CallSite {
            source_cluster: "a",
            namespace: "default",
            workflow_id,
            run_id,
            position: &call.activity_id,
        },
    )
}

/// The failure `PyCaller` read: asserts it is final (not retried) and has the type `expected`,
/// with the method in its details; returns it.
fn final_failure<'a>(outcome: &'a Value, expected: &str, method: &str) -> &'a Value {
    assert_eq!(
        outcome["retry_state"], "NON_RETRYABLE_FAILURE",
        "{outcome:#}"
    );
    let failure = &outcome["failure"];
    assert_eq!(failure["type"], expected, "{outcome:#}");
    assert_eq!(failure["non_retryable"], true, "{outcome:#}");
    assert_eq!(failure["details"][0]["method"], method, "{outcome:#}");
    failure
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_workflow_calls_the_bridge_by_name_and_reads_every_outcome() {
    let s = Setup::start().await;
    let h = &s.h;

    // The call, its wrong shape, a remote failure and a remote timeout, side by side.
    let echo = json!({"activity": "bridge.Probe.echo", "args": ["py-tag"]});
    let wrong = json!({"activity": "bridge.Probe.echo", "args": [42]});
    let failed = json!({"activity": "bridge.Probe.fail", "args": ["widget"]});
    // The gate never opens: the remote workflow times out after its 1 s execution timeout.
    let timed_out = json!({
        "activity": "bridge.Probe.gate",
        "header": {"execution_timeout_ms": 1000},
        "args": ["py-gate-timeout"],
    });
    let ((echo, echo_run), (wrong, _), (failed, _), (timed_out, _)) = tokio::join!(
        s.python_call("py-echo", echo),
        s.python_call("py-wrong", wrong),
        s.python_call("py-failed", failed),
        s.python_call("py-timed-out", timed_out),
    );

    let expected_id = remote_id_of_python_call(h, "Probe.echo", "py-echo", &echo_run).await;
    assert_eq!(
        echo["result"],
        json!({"tag": "py-tag", "remote_workflow_id": expected_id}),
        "the result, from B's workflow under the documented default id"
    );

    let bad = final_failure(&wrong, "BridgeBadPayload", "Probe.echo");
    assert!(
        bad["message"].as_str().unwrap().contains("Probe.echo"),
        "{wrong:#}"
    );

    let remote = final_failure(&failed, "BridgeRemoteFailed", "Probe.fail");
    // B's own failure is the cause, with its type and message.
    let cause = &remote["cause"];
    assert_eq!(cause["type"], "OutOfStock", "{failed:#}");
    assert_eq!(cause["message"], "no widget left", "{failed:#}");

    final_failure(&timed_out, "BridgeRemoteTimedOut", "Probe.gate");

    // Cancellation on B reaches the Python caller: the test cancels the remote workflow once
    // B runs it (strongly consistent describe), and the gate never opens before that.
    let cancel = json!({"activity": "bridge.Probe.gate", "args": ["py-gate-cancel"]});
    let handle = s.start_python_call("py-gate-cancel", cancel).await;
    let run_id = handle.run_id().unwrap().to_owned();
    let remote_id = h
        .remote_id_of_call("py-gate-cancel", &run_id, 0, Duration::from_secs(30))
        .await;
    h.wait_running_on_b(&remote_id, Duration::from_secs(30))
        .await;
    h.b.get_workflow_handle::<temporalio_common::UntypedWorkflow>(remote_id.clone())
        .cancel(WorkflowCancelOptions::builder().reason("test").build())
        .await
        .unwrap();
    let cancelled = result_of(&handle).await;
    final_failure(&cancelled, "BridgeRemoteCancelled", "Probe.gate");
}

/// The payloads of `attrs` in the event of `workflow_id`'s history (latest run) that `pick`
/// finds.
async fn payloads_in_history(
    client: &temporalio_client::Client,
    workflow_id: &str,
    pick: impl Fn(Attributes) -> Option<Vec<Payload>>,
) -> Vec<Payload> {
    history(client, workflow_id, "")
        .await
        .unwrap()
        .into_iter()
        .find_map(|e| e.attributes.and_then(&pick))
        .unwrap_or_else(|| panic!("no such event in the history of {workflow_id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rust_caller_runs_a_python_workflow_and_codec_payloads_pass_unchanged() {
    let s = Setup::start().await;
    let h = &s.h;

    // Rust on A → bridge → Python on B.
    let rust =
        h.a.start_workflow(
            GreetCallerWorkflow::run,
            "rust".to_owned(),
            WorkflowStartOptions::new(RUST_CALLER_QUEUE, "rust-greets-python").build(),
        )
        .await
        .unwrap();
    assert_eq!(result_of(&rust).await, "rust, greeted by Python");

    // Python on A → bridge → Python on B, the argument and the result in an encoding that only
    // the Python side's codec reads.
    let call = json!({"activity": "bridge.Greeter.greet", "args": ["secret-py"]});
    let (outcome, run_id) = tokio::time::timeout(RESULT_TIMEOUT, s.python_call("py-codec", call))
        .await
        .unwrap();
    assert_eq!(
        outcome["result"], "secret-py, greeted by Python",
        "{outcome:#}"
    );

    let remote_id = remote_id_of_python_call(h, "Greeter.greet", "py-codec", &run_id).await;
    let sent = payloads_in_history(&h.a, "py-codec", |a| match a {
        Attributes::ActivityTaskScheduledEventAttributes(a) => Some(a.input?.payloads),
        _ => None,
    })
    .await;
    let received = payloads_in_history(&h.b, &remote_id, |a| match a {
        Attributes::WorkflowExecutionStartedEventAttributes(a) => Some(a.input?.payloads),
        _ => None,
    })
    .await;
    assert_eq!(
        sent[1].metadata.get("encoding").map(Vec::as_slice),
        Some(&b"binary/xor"[..]),
        "the argument left A encoded"
    );
    assert_eq!(received, sent[1..], "B got the argument's bytes unchanged");

    let returned = payloads_in_history(&h.b, &remote_id, |a| match a {
        Attributes::WorkflowExecutionCompletedEventAttributes(a) => Some(a.result?.payloads),
        _ => None,
    })
    .await;
    let delivered = payloads_in_history(&h.a, "py-codec", |a| match a {
        Attributes::ActivityTaskCompletedEventAttributes(a) => Some(a.result?.payloads),
        _ => None,
    })
    .await;
    assert_eq!(
        returned[0].metadata.get("encoding").map(Vec::as_slice),
        Some(&b"binary/xor"[..]),
        "B's result is encoded"
    );
    assert_eq!(delivered, returned, "A got the result's bytes unchanged");
}
