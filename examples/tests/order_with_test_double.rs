//! Testing an A-side workflow that calls through the bridge, without cluster B.
//!
//! One local cluster plays both parts: the pool names it `a` and also `b`, and a test double of
//! `FulfillmentWorkflow` (same workflow type, same task queue) runs on it. The order workflow,
//! its callers and the real bridge run unchanged; only the remote side is replaced.

use bridge_runtime::{
    BridgeWorker,
    testing::{LocalClusters, WorkerThread, count_executions},
};
use temporal_bridge_examples::{
    FULFILLMENT_QUEUE, FulfillmentBridge, ORDERS_QUEUE, Order, OrderWorkflow, Shipment,
    order_worker_options,
};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

/// Stands in for cluster B's `FulfillmentWorkflow`: ships at once with a recognisable number.
#[workflow]
#[derive(Default)]
struct FulfillmentDouble;

#[workflow_methods]
impl FulfillmentDouble {
    #[run(name = "FulfillmentWorkflow")]
    async fn run(_ctx: &mut WorkflowContext<Self>, order: Order) -> WorkflowResult<Shipment> {
        Ok(Shipment {
            tracking_number: format!("DOUBLE-{}", order.id),
            order_id: order.id,
            packed_items: order.items,
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn order_workflow_confirms_with_a_test_double_of_fulfillment() {
    let clusters = LocalClusters::start(&["a"]).await.expect("local cluster");
    // Cluster `b` of the trait's attributes is the same local cluster.
    let pool = clusters.pool_with_aliases(&[("b", "a")]).expect("pool");
    let a = pool.client("a").await.expect("client");
    let _orders = WorkerThread::sdk("orders", a.clone(), order_worker_options());
    let _double = WorkerThread::sdk(
        "fulfillment-double",
        a.clone(),
        temporalio_sdk::WorkerOptions::new(FULFILLMENT_QUEUE)
            .register_workflow::<FulfillmentDouble>()
            .expect("register the double")
            .build(),
    );
    let _bridge = WorkerThread::bridge(
        "bridge",
        BridgeWorker::new(pool.clone(), "a").register(FulfillmentBridge),
    );

    let order = Order {
        id: "order-7".into(),
        items: vec!["lamp".into()],
        amount_cents: 4_200,
    };
    let handle = a
        .start_workflow(
            OrderWorkflow::run,
            order,
            WorkflowStartOptions::new(ORDERS_QUEUE, "order-7").build(),
        )
        .await
        .expect("start the order");
    let run_id = handle.run_id().expect("run id").to_owned();
    let confirmation = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the order finishes")
    .expect("the order succeeds");

    assert_eq!(confirmation.shipment.tracking_number, "DOUBLE-order-7");
    assert_eq!(confirmation.shipment.packed_items, ["lamp"]);
    assert!(
        confirmation.message.contains("DOUBLE-order-7"),
        "{}",
        confirmation.message
    );
    // The call went through the bridge, under its deterministic id, exactly once.
    let site = bridge_runtime::ids::CallSite {
        source_cluster: "a",
        namespace: "default",
        workflow_id: "order-7",
        run_id: &run_id,
        position: "2",
    };
    let remote_id = FulfillmentBridge::fulfill_remote_id(&site);
    assert_eq!(count_executions(&a, &remote_id).await.expect("count"), 1);
}
