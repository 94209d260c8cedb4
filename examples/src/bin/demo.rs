//! End-to-end demo: two local Temporal clusters, the order service on A, the fulfillment service
//! on B, and a bridge between them. Places one order and shows where its fulfillment ran.

use bridge_runtime::{
    BridgeWorker,
    ids::{CallSite, DEFAULT_MAX_ID_LEN, finalize_id},
    testing::{LocalClusters, WorkerThread, count_executions, scheduled_activities},
};
use std::error::Error;
use temporal_bridge_examples::{
    FulfillmentBridge, ORDERS_QUEUE, Order, OrderWorkflow, fulfillment_worker_options,
    init_logging, order_worker_options,
};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bridge_runtime::cli::finish("demo", run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment yet.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    init_logging();
    println!("starting two local Temporal clusters: a (orders) and b (fulfillment) ...");
    let clusters = LocalClusters::start(&["a", "b"]).await?;
    let pool = clusters.pool();
    let (a, b) = (pool.client("a").await?, pool.client("b").await?);
    println!("  cluster a: {}", clusters.server("a").address());
    println!("  cluster b: {}", clusters.server("b").address());

    let orders = WorkerThread::sdk("orders", a.clone(), order_worker_options());
    let fulfillment = WorkerThread::sdk("fulfillment", b.clone(), fulfillment_worker_options()?);
    let bridge = WorkerThread::bridge(
        "bridge",
        BridgeWorker::new(pool.clone(), "a").register(FulfillmentBridge),
    );
    println!(
        "order service polls a/orders, fulfillment service polls b/fulfillment, bridge polls a/temporal-bridge"
    );

    let order = Order {
        id: "order-1001".into(),
        items: vec!["keyboard".into(), "mouse".into()],
        amount_cents: 12_900,
    };
    println!("placing {} on cluster a ...", order.id);
    let started = std::time::Instant::now();
    let handle = a
        .start_workflow(
            OrderWorkflow::run,
            order.clone(),
            WorkflowStartOptions::new(ORDERS_QUEUE, order.id.clone()).build(),
        )
        .await?;
    let run_id = handle.run_id().unwrap_or_default().to_owned();
    let confirmation = handle
        .get_result(WorkflowGetResultOptions::default())
        .await?;
    let elapsed = started.elapsed();

    // Where did the fulfillment run? Its id is a pure function of the call site.
    let call = scheduled_activities(&a, &order.id, &run_id)
        .await?
        .into_iter()
        .find(|s| s.activity_type == "bridge.Fulfillment.fulfill")
        .ok_or("the order workflow made no bridged call")?;
    let remote_id = finalize_id(
        &FulfillmentBridge::fulfill_remote_id(&CallSite {
            source_cluster: "a",
            namespace: "default",
            workflow_id: &order.id,
            run_id: &run_id,
            position: &call.activity_id,
        }),
        DEFAULT_MAX_ID_LEN,
    );
    let executions = count_executions(&b, &remote_id).await?;

    println!();
    println!("order confirmed in {:.2?}:", elapsed);
    println!("  payment:   {}", confirmation.payment_id);
    println!("  shipment:  {:?}", confirmation.shipment);
    println!("  message:   {}", confirmation.message);
    println!();
    println!("the fulfillment ran on cluster b as workflow id:");
    println!("  {remote_id}");
    println!("  executions on b with that id: {executions}");
    println!(
        "the demo's clusters stop when it exits; on a cluster that keeps running, look at a call with:"
    );
    println!(
        "  temporal workflow show --address {} --workflow-id '{remote_id}'",
        clusters.server("b").address()
    );

    bridge.stop()?;
    orders.stop()?;
    fulfillment.stop()?;
    if executions != 1 {
        return Err(format!("expected exactly one execution on b, found {executions}").into());
    }
    println!("\ndemo finished; clusters stopped.");
    Ok(())
}
