//! Testing the order workflow (cluster A) with the trait's typed mock: one local cluster, no
//! bridge, no cluster B, no double of the fulfillment workflow. `FulfillmentMock` answers
//! `fulfill` on the bridge task queue and records the calls.

use bridge_runtime::mock::MockFailure;
use bridge_runtime::testing::{LocalClusters, WorkerThread};
use std::time::Duration;
use temporal_bridge_examples::{
    FulfillmentMock, ORDERS_QUEUE, Order, OrderConfirmation, OrderWorkflow, Shipment,
    order_worker_options,
};
use temporalio_client::errors::WorkflowGetResultError;
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};

fn order(id: &str) -> Order {
    Order {
        id: id.into(),
        items: vec!["lamp".into()],
        amount_cents: 4_200,
    }
}

/// Runs `OrderWorkflow` for `order` on one local cluster, with `mock` in place of the bridge.
async fn place_order(
    mock: &FulfillmentMock,
    order: Order,
) -> Result<OrderConfirmation, WorkflowGetResultError> {
    let clusters = LocalClusters::start(&["a"]).await.expect("local cluster");
    let a = clusters.pool().client("a").await.expect("client");
    let _orders = WorkerThread::sdk("orders", a.clone(), order_worker_options());
    let _mock = WorkerThread::sdk("fulfillment-mock", a.clone(), mock.worker_options());
    let workflow_id = order.id.clone();
    let handle = a
        .start_workflow(
            OrderWorkflow::run,
            order,
            WorkflowStartOptions::new(ORDERS_QUEUE, workflow_id).build(),
        )
        .await
        .expect("start the order");
    tokio::time::timeout(
        Duration::from_secs(60),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the order finishes")
}

#[tokio::test(flavor = "multi_thread")]
async fn order_workflow_confirms_with_a_mocked_fulfillment_and_the_call_is_recorded() {
    let mock = FulfillmentMock::new().fulfill(|order| {
        Ok(Shipment {
            tracking_number: format!("MOCK-{}", order.id),
            order_id: order.id,
            packed_items: order.items,
        })
    });
    let confirmation = place_order(&mock, order("order-7"))
        .await
        .expect("the order succeeds");
    assert_eq!(confirmation.shipment.tracking_number, "MOCK-order-7");
    assert_eq!(
        confirmation.message,
        "order order-7 shipped, tracking MOCK-order-7"
    );
    assert_eq!(mock.fulfill_calls(), [order("order-7")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mocked_remote_failure_reaches_the_order_workflow_as_the_bridge_error() {
    let mock = FulfillmentMock::new().fulfill(|order| {
        Err(MockFailure::failed(
            "OutOfStock",
            format!("no {}", order.items[0]),
        ))
    });
    let failure = place_order(&mock, order("order-8"))
        .await
        .expect_err("the order fails with fulfillment");
    // The workflow passed the `BridgeError` on with `?`: its failure has the stable type and
    // the typed error's words, the remote failure's type and message included.
    let text = format!("{failure:?}");
    assert!(text.contains("BridgeRemoteFailed"), "{text}");
    assert!(text.contains("failed (OutOfStock): no lamp"), "{text}");
    assert_eq!(mock.fulfill_calls().len(), 1, "called once, not retried");
}
