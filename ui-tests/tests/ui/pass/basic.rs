use bridge_runtime::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Serialize, Deserialize)]
pub struct Shipment {
    pub tracking: String,
}

#[bridge(task_queue = "bridge-a")]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
    async fn fulfill(order: Order) -> Shipment;

    /// No arguments, no result, default workflow type (`Ping`).
    #[remote_workflow(cluster = "b", queue = "fulfillment")]
    async fn ping();

    #[remote_workflow(cluster = "eu-west_2", queue = "fulfillment")]
    async fn split(order: Order, parcels: u32, note: String) -> Vec<Shipment>;

    /// An id template over a field and a second argument, and remote timeouts.
    #[remote_workflow(
        cluster = "b",
        queue = "fulfillment",
        id = "label-{order.id}-{parcels}",
        execution_timeout = "1h",
        run_timeout = "30m",
        heartbeat_timeout = "10s"
    )]
    async fn label(order: Order, parcels: u32) -> String;

    #[remote_signal(cluster = "b")]
    async fn add_note(text: String);

    #[remote_query(cluster = "b", name = "status")]
    async fn current_status() -> String;

    #[remote_update(cluster = "b")]
    async fn change_address(address: String, urgent: bool) -> bool;
}

fn registration_is_usable(pool: ClusterPool) -> BridgeWorker {
    BridgeWorker::new(pool, "a").register(FulfillmentBridge)
}

async fn caller_is_usable<W>(
    ctx: &temporalio_workflow::WorkflowContext<W>,
) -> Result<(), BridgeError> {
    let _shipment: Shipment = FulfillmentCaller::fulfill(ctx, Order { id: "1".into() }).await?;
    FulfillmentCaller::ping(ctx).await?;
    let _all: Vec<Shipment> =
        FulfillmentCaller::split(ctx, Order { id: "2".into() }, 2, "fragile".into()).await?;
    let _label: String = FulfillmentCaller::label(ctx, Order { id: "3".into() }, 2).await?;
    let handle = FulfillmentCaller::start_fulfill(ctx, Order { id: "4".into() }).await?;
    FulfillmentCaller::add_note(ctx, &handle, "fragile".into()).await?;
    let _status: String = FulfillmentCaller::current_status(ctx, "fulfill-4").await?;
    let _changed: bool =
        FulfillmentCaller::change_address(ctx, handle.workflow_id(), "Elm St".into(), true).await?;
    let _shipment: Shipment = handle.result(ctx).await?;
    Ok(())
}

fn template_id_is_computable() -> String {
    FulfillmentBridge::label_remote_id(&Order { id: "3".into() }, &2)
}

fn main() {
    let _ = registration_is_usable;
    let _ = caller_is_usable::<()>;
    let site = bridge_runtime::ids::CallSite {
        source_cluster: "a",
        namespace: "default",
        workflow_id: "order-1",
        run_id: "r",
        position: "1",
    };
    assert_eq!(
        FulfillmentBridge::fulfill_remote_id(&site),
        "Fulfillment.fulfill/a/default/order-1/r/1"
    );
    let specs = <FulfillmentBridge as BridgeRegistration>::methods(&FulfillmentBridge);
    assert_eq!(specs[0].activity_type, "bridge.Fulfillment.fulfill");
    assert_eq!(specs[0].bridge_queue, "bridge-a");
    assert_eq!(specs[1].workflow().unwrap().workflow_type, "Ping");
    assert_eq!(specs[0].label, "Fulfillment.fulfill");
    assert_eq!(specs[2].cluster, "eu-west_2");
    assert_eq!(template_id_is_computable(), "label-3-2");
    let hour = std::time::Duration::from_secs(3600);
    let label = specs[3].workflow().unwrap();
    assert_eq!(label.execution_timeout, Some(hour));
    assert_eq!(label.run_timeout, Some(hour / 2));
    assert_eq!(specs[3].timeouts.heartbeat, std::time::Duration::from_secs(10));
    assert_eq!(specs[3].timeouts.attempt, hour);
    use bridge_runtime::spec::{HandlerSpec, MethodKind, Targets};
    let handler = |name| HandlerSpec {
        name,
        with_start: None,
        targets: Targets::Bridged,
    };
    assert_eq!(specs[4].kind, MethodKind::Signal(handler("add_note")));
    assert_eq!(specs[5].kind, MethodKind::Query(handler("status")));
    assert_eq!(specs[6].kind, MethodKind::Update(handler("change_address")));
}
