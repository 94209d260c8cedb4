//! Health endpoints of a bridge process, for orchestrators' probes.
//!
//! - `GET /healthz`: `200 ok` while the process serves HTTP at all (liveness).
//! - `GET /readyz`: `200` when the bridge polls its source cluster and answers from the source
//!   and every destination cluster come back; `503` otherwise, and from the moment a stop is
//!   requested, so that no new traffic is routed to a draining bridge. The body names each
//!   cluster and its state.

use crate::pool::ClusterPool;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Bytes, service::service_fn};
use hyper_util::rt::TokioIo;
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};
use temporalio_client::{NamespacedClient, grpc::WorkflowService, tonic::IntoRequest};
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
use tracing::{debug, info};

/// How long a readiness probe waits for each cluster.
const CLUSTER_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the worker stands, as readiness sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    /// Connecting and building its workers.
    Starting = 0,
    /// Polling the source cluster.
    Polling = 1,
    /// A stop was requested: no new calls, in-flight ones finishing.
    Draining = 2,
}

/// Shared between the worker, which sets the phase, and the health server.
#[derive(Debug)]
pub(crate) struct HealthState {
    phase: AtomicU8,
    pool: ClusterPool,
    clusters: Vec<(String, &'static str)>,
}

impl HealthState {
    /// The source cluster and the destinations that readiness checks.
    pub(crate) fn new(pool: ClusterPool, source: &str, destinations: &[&str]) -> Arc<Self> {
        let mut clusters = vec![(source.to_owned(), "source")];
        clusters.extend(
            destinations
                .iter()
                .filter(|d| **d != source)
                .map(|d| ((*d).to_owned(), "destination")),
        );
        Arc::new(Self {
            phase: AtomicU8::new(Phase::Starting as u8),
            pool,
            clusters,
        })
    }

    /// Moves to `phase`.
    pub(crate) fn set(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::SeqCst);
    }

    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::SeqCst) {
            0 => Phase::Starting,
            1 => Phase::Polling,
            _ => Phase::Draining,
        }
    }

    /// The readiness verdict and its report, one line per cluster.
    pub async fn readiness(&self) -> (bool, String) {
        let phase = self.phase();
        let checks = self
            .clusters
            .iter()
            .map(|(name, role)| async move { (name, *role, check(&self.pool, name).await) });
        let results = futures::future::join_all(checks).await;
        let clusters_ok = results.iter().all(|(_, _, r)| r.is_ok());
        let ready = clusters_ok && phase == Phase::Polling;
        let mut report = format!(
            "{}\nworker: {}\n",
            if ready { "ready" } else { "not ready" },
            match phase {
                Phase::Starting => "starting",
                Phase::Polling => "polling",
                Phase::Draining => "draining (stop requested)",
            }
        );
        for (name, role, state) in results {
            match state {
                Ok(()) => report.push_str(&format!("{role} cluster `{name}`: ok\n")),
                Err(e) => report.push_str(&format!("{role} cluster `{name}`: {e}\n")),
            }
        }
        (ready, report)
    }
}

/// One cheap request that the cluster's frontend answers only when it can serve the namespace,
/// given [`CLUSTER_CHECK_TIMEOUT`] to answer.
pub(crate) async fn check(pool: &ClusterPool, name: &str) -> Result<(), String> {
    tokio::time::timeout(CLUSTER_CHECK_TIMEOUT, describe_namespace(pool, name))
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {CLUSTER_CHECK_TIMEOUT:?}")))
}

async fn describe_namespace(pool: &ClusterPool, name: &str) -> Result<(), String> {
    let mut client = pool.client(name).await.map_err(|e| e.to_string())?;
    let namespace = client.namespace();
    WorkflowService::describe_namespace(
        &mut client,
        DescribeNamespaceRequest {
            namespace,
            ..Default::default()
        }
        .into_request(),
    )
    .await
    .map(|_| ())
    .map_err(|status| format!("{:?}: {}", status.code(), status.message()))
}

/// Binds `address` and serves the health endpoints until the returned task is aborted.
pub(crate) async fn serve(
    address: SocketAddr,
    state: Arc<HealthState>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    info!(address = %bound, "health endpoints listening (/healthz, /readyz)");
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(respond(&state, &request).await) }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    debug!(error = %e, "health connection ended");
                }
            });
        }
    });
    Ok((bound, task))
}

async fn respond<B>(state: &HealthState, request: &Request<B>) -> Response<Full<Bytes>> {
    let (status, body) = match (request.method().as_str(), request.uri().path()) {
        ("GET", "/healthz") => (StatusCode::OK, "ok\n".to_owned()),
        ("GET", "/readyz") => {
            let (ready, report) = state.readiness().await;
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (status, report)
        }
        _ => (
            StatusCode::NOT_FOUND,
            "not found: GET /healthz or /readyz\n".to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}
