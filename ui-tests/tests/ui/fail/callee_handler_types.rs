//! Cluster B's handlers drifted from the trait: a signal, a query and an update whose types
//! differ from what the trait declares.
use bridge_runtime::prelude::*;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    SyncWorkflowContext, WorkerOptions, WorkflowContext, WorkflowContextView, WorkflowResult,
};

#[bridge]
pub trait Cart {
    #[remote_signal(cluster = "b", name = "add")]
    async fn add(item: String);

    #[remote_query(cluster = "b", name = "count")]
    async fn count() -> u32;

    #[remote_update(cluster = "b", name = "remove")]
    async fn remove(item: String) -> u32;
}

#[workflow]
#[derive(Default)]
pub struct CartWorkflow {
    items: Vec<u64>,
}

#[workflow_methods]
impl CartWorkflow {
    #[run]
    pub async fn run(_ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }

    /// Takes a number where the trait sends a string.
    #[signal]
    pub fn add(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: u64) {
        self.items.push(item);
    }

    /// Returns a `usize` where the trait expects a `u32`.
    #[query]
    pub fn count(&self, _ctx: &WorkflowContextView) -> usize {
        self.items.len()
    }

    /// Takes a number where the trait sends a string.
    #[update]
    pub fn remove(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: u64) -> u32 {
        self.items.retain(|i| *i != item);
        self.items.len() as u32
    }
}

fn main() {
    let options = WorkerOptions::new("cart").build();
    let _ = CartCallee::add(&options, CartWorkflow::add);
    let _ = CartCallee::count(&options, CartWorkflow::count);
    let _ = CartCallee::remove(&options, CartWorkflow::remove);
}
