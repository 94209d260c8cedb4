use bridge_runtime::prelude::*;

// One misspelled key: one error, on the key. The trait's callers, its bridge, its callee and
// its mock still resolve, so the code below that uses them reports nothing, and an IDE keeps working.
#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queu = "fulfillment")]
    async fn fulfill(order: String) -> String;

    #[remote_signal(cluster = "b")]
    async fn add_note(note: String);
}

fn registration(pool: ClusterPool) -> BridgeWorker {
    BridgeWorker::new(pool, "a").register(FulfillmentBridge)
}

async fn caller<W>(ctx: &temporalio_workflow::WorkflowContext<W>) -> Result<String, BridgeError> {
    let handle = FulfillmentCaller::start_fulfill(ctx, "o-1".into()).await?;
    FulfillmentCaller::add_note(ctx, &handle, "fragile".into()).await?;
    FulfillmentCaller::fulfill(ctx, "o-2".into()).await
}

fn callee(options: &mut temporalio_sdk::WorkerOptions) -> Result<(), CalleeError> {
    FulfillmentCallee::fulfill::<u8>(options)?;
    FulfillmentCallee::add_note(options, "any handler")
}

fn mock() -> Vec<String> {
    let mock = FulfillmentMock::new().fulfill(|order| Ok(order));
    let _ = mock.worker_options();
    mock.fulfill_calls()
}

fn main() {
    let _ = (registration, caller::<()>, callee, mock);
}
