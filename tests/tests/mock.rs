//! The typed mock (`ProbeMock`) in place of a bridge and cluster B, on one real local cluster:
//! every kind of call the probe's caller workflows make (calls, handles and their cancel,
//! signals, queries, updates, with-start), the failures it stands in for, and a method the test
//! gave no answer.

use bridge_runtime::mock::MockFailure;
use bridge_runtime::testing::{LocalClusters, WorkerThread};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use temporal_bridge_tests::{
    A_QUEUE, CountdownCallerWorkflow, Echo, EchoCallerWorkflow, FailCallerWorkflow,
    HandleCancelCallerWorkflow, MailboxCallerWorkflow, MailboxWithStartCallerWorkflow, ProbeMock,
    StartThenWaitCallerWorkflow, result_of,
};
use temporalio_client::{Client, WorkflowGetResultOptions, WorkflowHandle, WorkflowStartOptions};
use temporalio_common::HasWorkflowDefinition;

/// A mailbox's notes, kept by the test's closures: a mock's answers may share state.
type Notes = Arc<Mutex<Vec<String>>>;

fn probe_mock(notes: &Notes) -> ProbeMock {
    let (add, append, read) = (notes.clone(), notes.clone(), notes.clone());
    let (note_or_start, append_or_start) = (notes.clone(), notes.clone());
    ProbeMock::new()
        .echo(|tag| {
            Ok(Echo {
                tag,
                remote_workflow_id: "mocked".into(),
            })
        })
        .sleep(|secs| Ok(format!("slept {secs}")))
        .fail(|item| Err(MockFailure::failed("OutOfStock", format!("no {item} left"))))
        .mailbox(|label| Ok(vec![format!("mailbox {label}")]))
        .keyed_mailbox(|key| Ok(vec![format!("keyed mailbox {key}")]))
        .add_note(move |note| {
            add.lock().unwrap().push(note);
            Ok(())
        })
        .append(move |note| {
            let mut notes = append.lock().unwrap();
            notes.push(note);
            Ok(notes.len() as u32)
        })
        .read_notes(move || Ok(read.lock().unwrap().clone()))
        .note_or_start(move |note| {
            note_or_start.lock().unwrap().push(note);
            Ok(())
        })
        .append_or_start(move |note| {
            let mut notes = append_or_start.lock().unwrap();
            notes.push(note);
            Ok(notes.len() as u32)
        })
}

async fn start<W>(a: &Client, workflow: W, input: W::Input, id: &str) -> WorkflowHandle<Client, W>
where
    W: HasWorkflowDefinition,
    W::Input: Send,
{
    a.start_workflow(
        workflow,
        input,
        WorkflowStartOptions::new(A_QUEUE, id).build(),
    )
    .await
    .expect("start on A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_answers_every_kind_of_call_and_records_it() {
    let clusters = LocalClusters::start(&["a"]).await.expect("local cluster");
    let a = clusters.pool().client("a").await.expect("client");
    let options = temporalio_sdk::WorkerOptions::new(A_QUEUE)
        .register_workflow::<EchoCallerWorkflow>()
        .unwrap()
        .register_workflow::<StartThenWaitCallerWorkflow>()
        .unwrap()
        .register_workflow::<FailCallerWorkflow>()
        .unwrap()
        .register_workflow::<HandleCancelCallerWorkflow>()
        .unwrap()
        .register_workflow::<MailboxCallerWorkflow>()
        .unwrap()
        .register_workflow::<MailboxWithStartCallerWorkflow>()
        .unwrap()
        .register_workflow::<CountdownCallerWorkflow>()
        .unwrap()
        .build();
    let _callers = WorkerThread::sdk("callers", a.clone(), options);
    let notes = Notes::default();
    let mock = probe_mock(&notes);
    let _mock = WorkerThread::sdk("probe-mock", a.clone(), mock.worker_options());

    // Calls, and a handle started, kept and awaited.
    let echoes = start(
        &a,
        EchoCallerWorkflow::run,
        vec!["m1".into(), "m2".into()],
        "mock-echo",
    )
    .await;
    let start_wait = start(&a, StartThenWaitCallerWorkflow::run, 30, "mock-start-wait").await;
    let echoes = result_of(&echoes).await;
    assert_eq!(
        echoes.iter().map(|e| e.tag.as_str()).collect::<Vec<_>>(),
        ["m1", "m2"]
    );
    assert_eq!(mock.echo_calls(), ["m1", "m2"]);
    let run_id = start_wait.run_id().unwrap().to_owned();
    let [id, result] = <[String; 2]>::try_from(result_of(&start_wait).await).unwrap();
    assert_eq!(result, "slept 30");
    // The id a real bridge would give, with `mock` as the source cluster.
    assert_eq!(
        id,
        format!("Probe.sleep/mock/default/mock-start-wait/{run_id}/1")
    );

    // A remote failure, and a handle cancelled: the typed errors a real bridge gives.
    let failed =
        result_of(&start(&a, FailCallerWorkflow::run, "widget".into(), "mock-fail").await).await;
    assert!(failed.starts_with("RemoteFailed {"), "{failed}");
    assert!(failed.contains("failure_type: \"OutOfStock\""), "{failed}");
    assert!(failed.contains("message: \"no widget left\""), "{failed}");
    let cancelled =
        result_of(&start(&a, HandleCancelCallerWorkflow::run, 0, "mock-cancel").await).await;
    assert!(cancelled.starts_with("RemoteCancelled {"), "{cancelled}");

    // Signals, updates and queries by handle and by id; a started workflow's result is its
    // answer, computed when it started.
    let mailbox = result_of(&start(&a, MailboxCallerWorkflow::run, 0, "mock-mailbox").await).await;
    assert_eq!(mailbox, ["2", "first,second", "mailbox inbox"]);
    assert_eq!(mock.add_note_calls(), ["first", "done"]);
    assert_eq!(mock.append_calls(), ["second"]);
    assert_eq!(mock.read_notes_calls().len(), 1);
    assert_eq!(mock.mailbox_calls(), ["inbox"]);

    // With-start: the second start of the keyed id attaches, as on a real cluster.
    notes.lock().unwrap().clear();
    let with_start = start(
        &a,
        MailboxWithStartCallerWorkflow::run,
        "k-1".into(),
        "mock-with-start",
    )
    .await;
    let [first, second, count, last] =
        <[String; 4]>::try_from(result_of(&with_start).await).unwrap();
    assert_eq!(first, second, "both with-start calls reached one workflow");
    assert_eq!((count.as_str(), last.as_str()), ("2", "keyed mailbox k-1"));
    assert_eq!(mock.keyed_mailbox_calls(), ["k-1"], "started once");
    assert_eq!(mock.note_or_start_calls(), ["first", "done"]);
    assert_eq!(mock.append_or_start_calls(), ["second"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_the_mock_has_no_answer_for_fails_at_once_naming_the_method() {
    let clusters = LocalClusters::start(&["a"]).await.expect("local cluster");
    let a = clusters.pool().client("a").await.expect("client");
    let options = temporalio_sdk::WorkerOptions::new(A_QUEUE)
        .register_workflow::<CountdownCallerWorkflow>()
        .unwrap()
        .build();
    let _callers = WorkerThread::sdk("callers", a.clone(), options);
    let mock = ProbeMock::new().echo(|tag| {
        Ok(Echo {
            tag,
            remote_workflow_id: "mocked".into(),
        })
    });
    let _mock = WorkerThread::sdk("probe-mock", a.clone(), mock.worker_options());

    let handle = start(&a, CountdownCallerWorkflow::run, 3, "mock-unanswered").await;
    let failure = tokio::time::timeout(
        Duration::from_secs(60),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the workflow ends")
    .expect_err("the unanswered call fails the workflow");
    let text = format!("{failure:?}");
    assert!(
        text.contains("the mock has no answer for Probe.countdown: give it one with `ProbeMock::new().countdown(|…| …)`"),
        "{text}"
    );
    let attempts = bridge_runtime::testing::scheduled_activities(&a, "mock-unanswered", "")
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].started_attempt, Some(1), "not retried");
}
