//! Fixtures of the several-clusters tests: three clusters (`a`, `b` and `c`, each with a second
//! namespace, `billing`), one contract whose methods reach `b`, `c` and `b`'s `billing`
//! namespace, and a chain of two bridges, A → B → C.

use crate::{
    Echo, EchoWorkflow, GateWorkflow, init_logging, install_tracer_provider, tracing_plugin,
};
use bridge_runtime::{
    BridgeError,
    prelude::*,
    testing::{LocalClusters, WorkerThread},
};
use temporalio_client::{Client, ClientOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowResult};
use temporalio_workflow::WorkflowTermination;

/// The task queue of every regions workflow, on each cluster and namespace.
pub const REGIONS_QUEUE: &str = "regions";
/// The second namespace of every cluster of [`Regions`].
pub const BILLING: &str = "billing";
/// `temporal server start-dev` arguments that create [`BILLING`] beside `default`.
pub const BILLING_SERVER_ARGS: [&str; 2] = ["--namespace", BILLING];

/// One contract, several destinations: two clusters, and two namespaces of one of them.
#[bridge]
pub trait Regions {
    /// `EchoWorkflow` on cluster `b`.
    #[remote_workflow(cluster = "b", queue = "regions", workflow = "EchoWorkflow")]
    async fn echo_b(tag: String) -> Echo;

    /// `EchoWorkflow` on cluster `c`.
    #[remote_workflow(cluster = "c", queue = "regions", workflow = "EchoWorkflow")]
    async fn echo_c(tag: String) -> Echo;

    /// `EchoWorkflow` in the `billing` namespace of cluster `b`: the pool's cluster `b-billing`,
    /// which shares `b`'s connection.
    #[remote_workflow(cluster = "b-billing", queue = "regions", workflow = "EchoWorkflow")]
    async fn echo_billing(tag: String) -> Echo;

    /// The chain's first hop: [`RelayWorkflow`] on `b`, which calls [`Regions::gate_c`] through
    /// a bridge polling `b`.
    #[remote_workflow(
        cluster = "b",
        queue = "regions",
        workflow = "RelayWorkflow",
        long_wait_after = "1h"
    )]
    async fn relay(label: String) -> String;

    /// The chain's second hop: `GateWorkflow` on `c`, open when the test says so.
    #[remote_workflow(
        cluster = "c",
        queue = "regions",
        workflow = "GateWorkflow",
        long_wait_after = "1h"
    )]
    async fn gate_c(label: String) -> String;
}

/// Both directions between two clusters: one contract, one bridge deployment per source
/// (`examples/two-region.toml`).
#[bridge]
pub trait TwoWay {
    /// `EchoWorkflow` on cluster `b`, called from `a`.
    #[remote_workflow(cluster = "b", queue = "regions", workflow = "EchoWorkflow")]
    async fn to_b(tag: String) -> Echo;

    /// `EchoWorkflow` on cluster `a`, called from `b`.
    #[remote_workflow(cluster = "a", queue = "regions", workflow = "EchoWorkflow")]
    async fn to_a(tag: String) -> Echo;
}

/// On A: calls [`TwoWay::to_b`].
#[workflow]
#[derive(Default)]
pub struct ToBCallerWorkflow;

#[workflow_methods]
impl ToBCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, tag: String) -> WorkflowResult<Echo> {
        Ok(TwoWayCaller::to_b(ctx, tag).await?)
    }
}

/// On B: calls [`TwoWay::to_a`].
#[workflow]
#[derive(Default)]
pub struct ToACallerWorkflow;

#[workflow_methods]
impl ToACallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, tag: String) -> WorkflowResult<Echo> {
        Ok(TwoWayCaller::to_a(ctx, tag).await?)
    }
}

/// On A: calls each destination of [`Regions`] once with `tag`.
#[workflow]
#[derive(Default)]
pub struct RegionsCallerWorkflow;

#[workflow_methods]
impl RegionsCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, tag: String) -> WorkflowResult<Vec<Echo>> {
        Ok(vec![
            RegionsCaller::echo_b(ctx, format!("{tag}-b")).await?,
            RegionsCaller::echo_c(ctx, format!("{tag}-c")).await?,
            RegionsCaller::echo_billing(ctx, format!("{tag}-billing")).await?,
        ])
    }
}

/// On A: the chain's start, calling [`Regions::relay`] on B.
#[workflow]
#[derive(Default)]
pub struct ChainCallerWorkflow;

#[workflow_methods]
impl ChainCallerWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, label: String) -> WorkflowResult<String> {
        RegionsCaller::relay(ctx, label)
            .await
            .map_err(cancelled_or_failed)
    }
}

/// On B: the chain's middle, calling [`Regions::gate_c`] on C.
#[workflow]
#[derive(Default)]
pub struct RelayWorkflow;

#[workflow_methods]
impl RelayWorkflow {
    /// Run.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, label: String) -> WorkflowResult<String> {
        let gate = RegionsCaller::gate_c(ctx, label)
            .await
            .map_err(cancelled_or_failed)?;
        Ok(format!("relayed {gate}"))
    }
}

/// A call that was cancelled ends its workflow as cancelled, so that a cancellation travels
/// down a chain and each hop's status says what happened; any other error fails it.
fn cancelled_or_failed(e: BridgeError) -> WorkflowTermination {
    match e {
        BridgeError::Cancelled { .. } => WorkflowTermination::cancelled(),
        e => e.into(),
    }
}

/// Clusters `a`, `b` and `c`, each with the [`BILLING`] namespace, and their workers:
/// the callers and an echo on A, the echo, the relay and a caller on B (the echo in both
/// namespaces), the echo and the gate on C.
/// The workers of A and B trace with the SDK's OpenTelemetry plugin, so that the chain's trace
/// context travels from A through B to C. The bridges are the test's to start.
pub struct RegionsHarness {
    /// The clusters, stopped on drop.
    pub clusters: LocalClusters,
    /// `default` on A.
    pub a: Client,
    /// `default` on B.
    pub b: Client,
    /// [`BILLING`] on B.
    pub b_billing: Client,
    /// `default` on C.
    pub c: Client,
    _workers: Vec<WorkerThread>,
}

impl RegionsHarness {
    /// Starts the clusters and the workers.
    pub async fn start() -> Self {
        init_logging();
        install_tracer_provider();
        let clusters = LocalClusters::start_with_args(&["a", "b", "c"], &BILLING_SERVER_ARGS)
            .await
            .expect("start clusters");
        let pool = clusters.pool();
        let client = |name: &'static str| {
            let pool = pool.clone();
            async move { pool.client(name).await.expect(name) }
        };
        let (a, b, c) = (client("a").await, client("b").await, client("c").await);
        let b_billing = Client::new(b.connection().clone(), ClientOptions::new(BILLING).build())
            .expect("client of b's billing namespace");
        let options = || temporalio_sdk::WorkerOptions::new(REGIONS_QUEUE);
        let workers = vec![
            WorkerThread::sdk(
                "regions-a",
                a.clone(),
                options()
                    .register_workflow::<RegionsCallerWorkflow>()
                    .unwrap()
                    .register_workflow::<ChainCallerWorkflow>()
                    .unwrap()
                    .register_workflow::<ToBCallerWorkflow>()
                    .unwrap()
                    .register_workflow::<EchoWorkflow>()
                    .unwrap()
                    .worker_plugin(tracing_plugin())
                    .build(),
            ),
            WorkerThread::sdk(
                "regions-b",
                b.clone(),
                options()
                    .register_workflow::<EchoWorkflow>()
                    .unwrap()
                    .register_workflow::<RelayWorkflow>()
                    .unwrap()
                    .register_workflow::<ToACallerWorkflow>()
                    .unwrap()
                    .worker_plugin(tracing_plugin())
                    .build(),
            ),
            WorkerThread::sdk(
                "regions-b-billing",
                b_billing.clone(),
                options()
                    .register_workflow::<EchoWorkflow>()
                    .unwrap()
                    .build(),
            ),
            WorkerThread::sdk(
                "regions-c",
                c.clone(),
                options()
                    .register_workflow::<EchoWorkflow>()
                    .unwrap()
                    .register_workflow::<GateWorkflow>()
                    .unwrap()
                    .build(),
            ),
        ];
        Self {
            clusters,
            a,
            b,
            b_billing,
            c,
            _workers: workers,
        }
    }

    /// A bridge configuration file (`regions-{name}.toml` in the test kit's directory) polling
    /// `source`, with every cluster, `b-billing` sharing `b`'s connection, `b` at `b_address`
    /// (e.g. a proxy's), and `extra` appended (e.g. `health_address = "…"`).
    pub fn config(
        &self,
        name: &str,
        source: &str,
        b_address: &str,
        extra: &str,
    ) -> std::path::PathBuf {
        let server = |n: &str| self.clusters.server(n).address().to_owned();
        let text = format!(
            "source = \"{source}\"\n{extra}\n\
             [clusters.a]\naddress = \"{a}\"\n\
             [clusters.b]\naddress = \"{b_address}\"\n\
             [clusters.b-billing]\nconnection = \"b\"\nnamespace = \"{BILLING}\"\n\
             [clusters.c]\naddress = \"{c}\"\n",
            a = server("a"),
            c = server("c"),
        );
        let dir = std::env::temp_dir().join(format!("bridge-regions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("config dir");
        let path = dir.join(format!("regions-{name}.toml"));
        std::fs::write(&path, text).expect("write config");
        path
    }
}
