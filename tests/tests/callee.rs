//! Cluster B's side of a trait: `…Callee` refuses, before any worker polls, a worker whose task
//! queue, workflow type or handler names differ from what the trait declares. (Type mismatches
//! are compile errors: `ui-tests/tests/ui/fail/callee_*.rs`.) No cluster is needed: the checks
//! run on the worker's options, so the workflows here never run.

use bridge_runtime::CalleeError;
use bridge_runtime::prelude::*;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    SyncWorkflowContext, WorkerOptions, WorkflowContext, WorkflowContextView, WorkflowResult,
};

#[bridge]
pub trait Shop {
    #[remote_workflow(cluster = "b", queue = "shop", workflow = "CartWorkflow")]
    async fn open_cart(customer: String) -> Vec<String>;

    /// The same workflow, started by another method with another `on_cancel`.
    #[remote_workflow(
        cluster = "b",
        queue = "shop",
        workflow = "CartWorkflow",
        on_cancel = "abandon"
    )]
    async fn open_cart_detached(customer: String) -> Vec<String>;

    #[remote_signal(cluster = "b", name = "add", with_start = "open_cart")]
    async fn add_or_open(item: String);

    #[remote_signal(cluster = "b", name = "add")]
    async fn add(item: String);

    #[remote_query(cluster = "b", name = "items")]
    async fn items() -> Vec<String>;

    #[remote_update(cluster = "b", name = "remove")]
    async fn remove(item: String) -> u32;
}

/// What the trait declares: `CartWorkflow` with `add`, `items` and `remove`.
#[workflow]
#[derive(Default)]
pub struct CartWorkflow {
    items: Vec<String>,
}

#[workflow_methods]
impl CartWorkflow {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        _customer: String,
    ) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| s.items.clone()))
    }

    #[signal]
    pub fn add(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: String) {
        self.items.push(item);
    }

    #[query]
    pub fn items(&self, _ctx: &WorkflowContextView) -> Vec<String> {
        self.items.clone()
    }

    #[update]
    pub fn remove(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: String) -> u32 {
        self.items.retain(|i| *i != item);
        self.items.len() as u32
    }
}

/// The same types as `CartWorkflow`, drifted in its names: the workflow type is `Basket`, the
/// signal `put`, the query `contents`, the update `take`.
#[workflow]
#[derive(Default)]
pub struct Basket {
    items: Vec<String>,
}

#[workflow_methods]
impl Basket {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        _customer: String,
    ) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| s.items.clone()))
    }

    #[signal]
    pub fn put(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: String) {
        self.items.push(item);
    }

    #[query]
    pub fn contents(&self, _ctx: &WorkflowContextView) -> Vec<String> {
        self.items.clone()
    }

    #[update]
    pub fn take(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: String) -> u32 {
        self.items.retain(|i| *i != item);
        self.items.len() as u32
    }
}

/// `CartWorkflow`'s handlers under another workflow type, `Wishlist`.
#[workflow]
#[derive(Default)]
pub struct Wishlist {
    items: Vec<String>,
}

#[workflow_methods]
impl Wishlist {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        _customer: String,
    ) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| s.items.clone()))
    }

    #[signal]
    pub fn add(&mut self, _ctx: &mut SyncWorkflowContext<Self>, item: String) {
        self.items.push(item);
    }
}

/// Registered under `CartWorkflow`'s type name, but another workflow: no handlers.
#[workflow]
#[derive(Default)]
pub struct Impostor;

#[workflow_methods]
impl Impostor {
    #[run(name = "CartWorkflow")]
    pub async fn run(
        _ctx: &mut WorkflowContext<Self>,
        customer: String,
    ) -> WorkflowResult<Vec<String>> {
        Ok(vec![customer])
    }
}

fn options(queue: &str) -> WorkerOptions {
    WorkerOptions::new(queue).build()
}

fn registered_types(options: &WorkerOptions) -> Vec<String> {
    options
        .workflows()
        .workflow_definitions()
        .map(|d| d.workflow_type.clone())
        .collect()
}

#[test]
fn a_worker_that_serves_the_trait_as_declared_passes_every_check() {
    let mut o = options("shop");
    ShopCallee::open_cart::<CartWorkflow>(&mut o).unwrap();
    // A second method starting the same workflow finds it registered, and registers nothing.
    ShopCallee::open_cart_detached::<CartWorkflow>(&mut o).unwrap();
    ShopCallee::add_or_open(&o, CartWorkflow::add).unwrap();
    ShopCallee::add(&o, CartWorkflow::add).unwrap();
    ShopCallee::items(&o, CartWorkflow::items).unwrap();
    ShopCallee::remove(&o, CartWorkflow::remove).unwrap();
    assert_eq!(registered_types(&o), ["CartWorkflow"]);
}

#[test]
fn another_task_queue_is_refused_and_nothing_is_registered() {
    let mut o = options("shops");
    let err = ShopCallee::open_cart::<CartWorkflow>(&mut o).unwrap_err();
    assert!(matches!(err, CalleeError::WrongQueue { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Shop.open_cart: the trait sends it to task queue `shop`, but this worker polls `shops`; \
         register it on a worker of queue `shop`, or change `queue` in the trait"
    );
    assert!(registered_types(&o).is_empty());
}

#[test]
fn another_workflow_type_is_refused_naming_both() {
    let mut o = options("shop");
    let err = ShopCallee::open_cart::<Basket>(&mut o).unwrap_err();
    assert!(
        matches!(err, CalleeError::WrongWorkflowType { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Shop.open_cart: the trait starts workflow type `CartWorkflow`, but the workflow given \
         registers as `Basket`; set `workflow = \"Basket\"` in the trait, or \
         `#[run(name = \"CartWorkflow\")]` on the workflow"
    );
    assert!(registered_types(&o).is_empty());
}

#[test]
fn handlers_with_other_names_are_refused_by_kind() {
    let mut o = options("shop");
    ShopCallee::open_cart::<CartWorkflow>(&mut o).unwrap();
    o.register_workflow::<Basket>().unwrap();

    let err = ShopCallee::add(&o, Basket::put).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shop.add: the trait sends signal `add`, but the handler given is named `put`; set \
         `name = \"put\"` in the trait, or `#[signal(name = \"add\")]` on the handler"
    );
    let err = ShopCallee::items(&o, Basket::contents).unwrap_err();
    assert!(
        matches!(
            err,
            CalleeError::WrongHandlerName {
                kind: "query",
                declared: "items",
                ..
            }
        ),
        "{err:?}"
    );
    let err = ShopCallee::remove(&o, Basket::take).unwrap_err();
    assert!(
        matches!(
            err,
            CalleeError::WrongHandlerName {
                kind: "update",
                declared: "remove",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_handler_of_no_registered_workflow_is_refused() {
    let o = options("shop");
    let err = ShopCallee::add(&o, CartWorkflow::add).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shop.add: no workflow registered on the worker of queue `shop` has signal `add`; \
         register the workflow before its handlers"
    );
}

#[test]
fn a_with_start_handler_must_be_in_the_workflow_the_method_starts() {
    // `Wishlist` has a signal `add`, but `add_or_open` starts `CartWorkflow`.
    let mut o = options("shop");
    o.register_workflow::<Wishlist>().unwrap();
    ShopCallee::add(&o, Wishlist::add).unwrap();
    let err = ShopCallee::add_or_open(&o, Wishlist::add).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shop.add_or_open: no workflow registered on the worker of queue `shop` has signal \
         `add` in workflow type `CartWorkflow`; register the workflow before its handlers"
    );

    // ... and on the queue that method starts it on.
    let mut elsewhere = options("wishes");
    elsewhere.register_workflow::<CartWorkflow>().unwrap();
    let err = ShopCallee::add_or_open(&elsewhere, CartWorkflow::add).unwrap_err();
    assert!(
        matches!(
            err,
            CalleeError::WrongQueue {
                declared: "shop",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn another_workflow_registered_under_the_declared_type_is_refused() {
    let mut o = options("shop");
    o.register_workflow::<Impostor>().unwrap();
    let err = ShopCallee::open_cart::<CartWorkflow>(&mut o).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Shop.open_cart: a workflow other than the one given is registered as `CartWorkflow` on \
         this worker; register the workflow only through the `…Callee` functions"
    );
}
