//! The order service (cluster A), the fulfillment service (cluster B), and the contract between
//! them: the `Fulfillment` trait, which the bridge carries across.

use bridge_runtime::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::{
    ActivityOptions, LocalActivityOptions, WorkflowContext, WorkflowResult,
    activities::{ActivityContext, ActivityError},
};

/// Task queue of the order service on cluster A.
pub const ORDERS_QUEUE: &str = "orders";
/// Task queue of the fulfillment service on cluster B.
pub const FULFILLMENT_QUEUE: &str = "fulfillment";

/// An order placed on cluster A.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Business key.
    pub id: String,
    /// What to ship.
    pub items: Vec<String>,
    /// What to charge.
    pub amount_cents: u64,
}

/// What fulfillment on cluster B returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The order shipped.
    pub order_id: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// Items in the parcel.
    pub packed_items: Vec<String>,
}

/// What the order workflow returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConfirmation {
    /// The order.
    pub order_id: String,
    /// Payment reference from the charge.
    pub payment_id: String,
    /// The shipment made on cluster B.
    pub shipment: Shipment,
    /// The confirmation message sent to the customer.
    pub message: String,
}

/// The contract between the order service and the fulfillment service.
#[bridge]
pub trait Fulfillment {
    /// Picks, packs and ships an order on cluster B.
    #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
    async fn fulfill(order: Order) -> Shipment;
}

// ---------------------------------------------------------------- cluster B: fulfillment

/// The fulfillment workflow on cluster B: an ordinary Temporal workflow.
#[workflow]
#[derive(Default)]
pub struct FulfillmentWorkflow;

#[workflow_methods]
impl FulfillmentWorkflow {
    /// Pick, pack, ship.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, order: Order) -> WorkflowResult<Shipment> {
        let opts = || ActivityOptions::start_to_close_timeout(Duration::from_secs(30));
        let picked = ctx
            .execute_activity(WarehouseActivities::pick, order.clone(), opts())
            .await?;
        let packed = ctx
            .execute_activity(WarehouseActivities::pack, picked, opts())
            .await?;
        let tracking_number = ctx
            .execute_activity(WarehouseActivities::ship, order.id.clone(), opts())
            .await?;
        Ok(Shipment {
            order_id: order.id,
            tracking_number,
            packed_items: packed,
        })
    }
}

/// Warehouse activities on cluster B.
pub struct WarehouseActivities;

#[activities]
impl WarehouseActivities {
    /// Takes the items off the shelves.
    #[activity]
    pub async fn pick(_ctx: ActivityContext, order: Order) -> Result<Vec<String>, ActivityError> {
        Ok(order.items)
    }

    /// Boxes them.
    #[activity]
    pub async fn pack(
        _ctx: ActivityContext,
        items: Vec<String>,
    ) -> Result<Vec<String>, ActivityError> {
        Ok(items.into_iter().map(|i| format!("boxed {i}")).collect())
    }

    /// Hands the parcel to the carrier.
    #[activity]
    pub async fn ship(_ctx: ActivityContext, order_id: String) -> Result<String, ActivityError> {
        Ok(format!("TRK-{}", order_id.to_uppercase()))
    }
}

// ---------------------------------------------------------------- cluster A: orders

/// The order workflow on cluster A: charge, fulfil on cluster B through the bridge, confirm.
#[workflow]
#[derive(Default)]
pub struct OrderWorkflow;

#[workflow_methods]
impl OrderWorkflow {
    /// Places the order.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        order: Order,
    ) -> WorkflowResult<OrderConfirmation> {
        let payment_id = ctx
            .execute_local_activity(
                PaymentActivities::charge,
                order.clone(),
                LocalActivityOptions::builder()
                    .start_to_close_timeout(Duration::from_secs(10))
                    .build(),
            )
            .await?;
        // Runs FulfillmentWorkflow on cluster B and waits for it, as if it were local.
        let shipment = FulfillmentCaller::fulfill(ctx, order.clone()).await?;
        let message = ctx
            .execute_activity(
                PaymentActivities::confirm,
                shipment.clone(),
                ActivityOptions::start_to_close_timeout(Duration::from_secs(10)),
            )
            .await?;
        Ok(OrderConfirmation {
            order_id: order.id,
            payment_id,
            shipment,
            message,
        })
    }
}

/// Payment and notification activities on cluster A.
pub struct PaymentActivities;

#[activities]
impl PaymentActivities {
    /// Charges the customer.
    #[activity]
    pub async fn charge(_ctx: ActivityContext, order: Order) -> Result<String, ActivityError> {
        Ok(format!("PAY-{}-{}", order.id, order.amount_cents))
    }

    /// Tells the customer.
    #[activity]
    pub async fn confirm(
        _ctx: ActivityContext,
        shipment: Shipment,
    ) -> Result<String, ActivityError> {
        Ok(format!(
            "order {} shipped, tracking {}",
            shipment.order_id, shipment.tracking_number
        ))
    }
}

/// Worker options of the order service (cluster A).
pub fn order_worker_options() -> temporalio_sdk::WorkerOptions {
    temporalio_sdk::WorkerOptions::new(ORDERS_QUEUE)
        .register_workflow::<OrderWorkflow>()
        .expect("register OrderWorkflow")
        .register_activities(PaymentActivities)
        .build()
}

/// Worker options of the fulfillment service (cluster B). `FulfillmentCallee` registers the
/// workflow as the one `Fulfillment::fulfill` starts: its input and output types are checked
/// against the trait at compile time, its workflow type and the task queue here.
pub fn fulfillment_worker_options() -> Result<temporalio_sdk::WorkerOptions, CalleeError> {
    let mut options = temporalio_sdk::WorkerOptions::new(FULFILLMENT_QUEUE)
        .register_activities(WarehouseActivities)
        .build();
    FulfillmentCallee::fulfill::<FulfillmentWorkflow>(&mut options)?;
    Ok(options)
}

/// Logs to stderr as text, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    bridge_runtime::cli::init_logging(bridge_runtime::config::LogFormat::Text);
}

/// A service binary's whole `main`: `--config PATH` (the bridge's own file) or the
/// environment says where `cluster` is; runs the service's SDK worker there until SIGTERM or
/// SIGINT. An error (options that do not match the trait, bad configuration, cluster
/// unreachable) is printed as sentences, exit 1.
pub async fn service_main(
    program: &'static str,
    cluster: &str,
    options: Result<temporalio_sdk::WorkerOptions, CalleeError>,
) -> std::process::ExitCode {
    let args = bridge_runtime::cli::ServiceArgs::parse_for(program);
    init_logging();
    let run = async {
        let options = options?;
        let pool = args.pool()?;
        tracing::info!(
            cluster,
            task_queue = %options.task_queue,
            "{program} running; SIGTERM or SIGINT stops it"
        );
        bridge_runtime::run_sdk_worker_until_signal(&pool, cluster, options).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    bridge_runtime::cli::finish(program, run.await)
}
