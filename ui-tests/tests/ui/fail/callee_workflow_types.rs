//! Cluster B's workflow drifted from the trait: it takes, or returns, another type.
use bridge_runtime::prelude::*;
use serde::{Deserialize, Serialize};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkerOptions, WorkflowContext, WorkflowResult};

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Serialize, Deserialize)]
pub struct Shipment {
    pub tracking: String,
}

#[bridge]
pub trait Fulfillment {
    #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
    async fn fulfill(order: Order) -> Shipment;
}

/// Takes the order's id where the trait sends the order.
#[workflow]
#[derive(Default)]
pub struct FulfillmentWorkflow;

#[workflow_methods]
impl FulfillmentWorkflow {
    #[run]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, id: String) -> WorkflowResult<Shipment> {
        Ok(Shipment { tracking: id })
    }
}

/// Returns the tracking number where the trait expects the shipment.
#[workflow]
#[derive(Default)]
pub struct ReturnsTracking;

#[workflow_methods]
impl ReturnsTracking {
    #[run(name = "FulfillmentWorkflow")]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, order: Order) -> WorkflowResult<String> {
        Ok(order.id)
    }
}

fn main() {
    let mut options = WorkerOptions::new("fulfillment").build();
    let _ = FulfillmentCallee::fulfill::<FulfillmentWorkflow>(&mut options);
    let _ = FulfillmentCallee::fulfill::<ReturnsTracking>(&mut options);
}
