//! The bridge worker: polls bridge task queues on the source cluster and runs bridge activities.

use crate::config::BridgeConfig;
use crate::health::{HealthState, Phase};
use crate::metrics::{BridgeMetrics, SOURCE_LABEL};
use crate::{
    activity::{BridgeShared, MethodHost},
    error::{ConfigError, WorkerError},
    ids::{DEFAULT_MAX_ID_LEN, MIN_MAX_ID_LEN},
    limits::LimitSet,
    pool::ClusterPool,
    spec::{Limits, MethodSpec, RemoteMethod},
};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    future::Future,
    net::SocketAddr,
    sync::Arc,
    time::Duration,
};
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions, metrics::CoreMeter,
    start_prometheus_metric_exporter,
};
use temporalio_sdk::{
    Runtime, Worker, WorkerOptions,
    activities::{ActivityDefinitions, ActivityImplementer},
    runtime::{
        RuntimeOptions,
        worker_tuner::{FixedSizeSlotSupplier, TunerHolder},
    },
};
use tracing::{info, warn};

/// Default limit on calls one bridge process holds at once.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 1000;

/// Default activity-task pollers per bridge queue.
///
/// A call is picked up only by a poll, and each poll is a round trip that writes on the source
/// cluster. With the SDK's default of 5, a burst of 1,000 calls waited 1.2 s at p50 and 26 s at
/// p95 to be picked up in the bench's capacity case; with 50, 0.18 s and 1.3 s.
pub const DEFAULT_MAX_POLLERS: usize = 50;

/// Default time in-flight calls get to finish after a stop is requested.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// Implemented by the `…Bridge` type that `#[bridge]` generates for a trait.
pub trait BridgeRegistration: Send + Sync {
    /// The trait's name.
    fn bridge_name(&self) -> &'static str;
    /// The trait's remote methods.
    fn methods(&self) -> Vec<&'static MethodSpec>;
    /// Registers one activity per method.
    fn register(&self, registrar: &mut Registrar);
}

/// Collects bridge activities per bridge task queue. Used by generated code.
pub struct Registrar {
    shared: Arc<BridgeShared>,
    queues: BTreeMap<&'static str, Vec<Registration>>,
}

type Registration = Box<dyn Fn(&mut ActivityDefinitions) + Send + Sync>;

impl Registrar {
    /// Adds method `M`'s bridge activity.
    pub fn add<M: RemoteMethod>(&mut self) {
        let host = Arc::new(MethodHost::<M>::new(self.shared.clone()));
        self.queues
            .entry(M::SPEC.bridge_queue)
            .or_default()
            .push(Box::new(move |defs| host.clone().register_all(defs)));
    }
}

/// All bridge activities of one queue, handed to the SDK as one implementer.
struct QueueActivities(Vec<Registration>);

impl ActivityImplementer for QueueActivities {
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        for register in &self.0 {
            register(defs);
        }
    }
}

/// Polls the bridge task queues of a source cluster and runs the registered bridges.
///
/// ```no_run
/// # use bridge_runtime::{BridgeWorker, ClusterPool};
/// # async fn demo(pool: ClusterPool, fulfillment: impl bridge_runtime::BridgeRegistration + 'static)
/// # -> Result<(), bridge_runtime::WorkerError> {
/// BridgeWorker::new(pool, "a")
///     .register(fulfillment)
///     .max_concurrent_calls(500)
///     .run_until_signal()
///     .await
/// # }
/// ```
pub struct BridgeWorker {
    pool: ClusterPool,
    source: String,
    bridges: Vec<Box<dyn BridgeRegistration>>,
    max_concurrent_calls: usize,
    max_id_len: usize,
    grace_period: Duration,
    max_pollers: usize,
    metrics_address: Option<SocketAddr>,
    health_address: Option<SocketAddr>,
    limits: HashMap<String, Limits>,
}

/// Stops the metrics or health endpoint with the worker.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl BridgeWorker {
    /// A worker that polls `source_cluster`, a name in `pool`.
    pub fn new(pool: ClusterPool, source_cluster: impl Into<String>) -> Self {
        Self {
            pool,
            source: source_cluster.into(),
            bridges: Vec::new(),
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            max_id_len: DEFAULT_MAX_ID_LEN,
            grace_period: DEFAULT_GRACE_PERIOD,
            max_pollers: DEFAULT_MAX_POLLERS,
            metrics_address: None,
            health_address: None,
            limits: HashMap::new(),
        }
    }

    /// Limits the calls this process makes to destination `cluster`: started per second and
    /// in flight (see [`Limits`]). A call over a limit waits; it does not fail.
    pub fn limit(mut self, cluster: impl Into<String>, limits: Limits) -> Self {
        self.limits.insert(cluster.into(), limits);
        self
    }

    /// A worker configured by a bridge file and the environment (see
    /// [`BridgeConfig::from_file`]): its source cluster, its pool, and every worker setting the
    /// file gives (concurrency, pollers, grace period, id length, metrics and health
    /// addresses). `log_format` is the process's, not the worker's: [`crate::cli::main`]
    /// applies it, and a `main` of your own passes it to [`crate::cli::init_logging`].
    ///
    /// ```no_run
    /// # use bridge_runtime::{BridgeWorker, config::BridgeConfig};
    /// # async fn demo(fulfillment: impl bridge_runtime::BridgeRegistration + 'static)
    /// # -> Result<(), Box<dyn std::error::Error>> {
    /// let config = BridgeConfig::from_file("bridge.toml")?;
    /// BridgeWorker::from_config(&config)?
    ///     .register(fulfillment)
    ///     .run_until_signal()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn from_config(config: &BridgeConfig) -> Result<Self, ConfigError> {
        let source = config.source_cluster()?;
        let pool = ClusterPool::from_bridge_config(config)?;
        Ok(Self::new(pool, source).with_config(config))
    }

    /// Serves `GET /healthz` and `GET /readyz` on `address` (see [`crate::health`]): readiness
    /// holds while the worker polls and every cluster answers, and drops as soon as a stop is
    /// requested.
    pub fn health_address(mut self, address: SocketAddr) -> Self {
        self.health_address = Some(address);
        self
    }

    /// Serves Prometheus metrics on `address` (`GET /metrics`): the SDK's worker metrics and the
    /// bridge's own (see [`crate::metrics`]). Port 0 picks a free port, logged at start.
    pub fn metrics_address(mut self, address: SocketAddr) -> Self {
        self.metrics_address = Some(address);
        self
    }

    /// Most concurrent activity-task polls per bridge queue (default
    /// [`DEFAULT_MAX_POLLERS`]). Each poll is one held-open request to the source cluster.
    /// Zero is refused by [`BridgeWorker::check`], as `max_concurrent_calls = 0` is.
    pub fn max_pollers(mut self, n: usize) -> Self {
        self.max_pollers = n;
        self
    }

    /// Hosts a bridge (the `…Bridge` type generated for a trait).
    pub fn register(mut self, bridge: impl BridgeRegistration + 'static) -> Self {
        self.bridges.push(Box::new(bridge));
        self
    }

    /// Most calls this process holds at once, per bridge task queue. A waiting call holds an
    /// activity slot; beyond this the bridge stops polling until a call finishes.
    pub fn max_concurrent_calls(mut self, n: usize) -> Self {
        self.max_concurrent_calls = n;
        self
    }

    /// Longest remote workflow id to send (default 1000, the server's default limit; many SQL
    /// deployments use 255). Longer ids are shortened with a hash suffix.
    pub fn max_id_len(mut self, n: usize) -> Self {
        self.max_id_len = n;
        self
    }

    /// How long in-flight calls may run after a stop before the bridge lets go of them. Calls
    /// let go of are retried by another bridge, which attaches to the same remote workflow.
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace_period = grace;
        self
    }

    /// Applies the settings a [`BridgeConfig`] file gives (those it leaves out keep their
    /// values).
    pub fn with_config(mut self, config: &BridgeConfig) -> Self {
        if let Some(n) = config.max_concurrent_calls {
            self.max_concurrent_calls = n;
        }
        if let Some(n) = config.max_pollers {
            self.max_pollers = n;
        }
        if let Some(secs) = config.grace_period_secs {
            self.grace_period = Duration::from_secs(secs);
        }
        if let Some(n) = config.max_id_len {
            self.max_id_len = n;
        }
        if config.metrics_address.is_some() {
            self.metrics_address = config.metrics_address;
        }
        if config.health_address.is_some() {
            self.health_address = config.health_address;
        }
        for (cluster, limits) in &config.limits {
            self.limits.insert(cluster.clone(), *limits);
        }
        self
    }

    /// The clusters this worker reaches.
    pub fn pool(&self) -> &ClusterPool {
        &self.pool
    }

    /// The polled cluster's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The destination clusters the registered bridges name.
    pub fn destinations(&self) -> BTreeSet<&'static str> {
        self.bridges
            .iter()
            .flat_map(|b| b.methods())
            .map(|s| s.cluster)
            .collect()
    }

    /// Every limit names a cluster of the pool, and none is zero (which would stop its calls
    /// for good).
    fn check_limits(&self) -> Result<(), WorkerError> {
        let limits = self
            .limits
            .iter()
            .map(|(c, l)| (format!("[limits.{c}]"), l));
        let methods = self.bridges.iter().flat_map(|b| b.methods());
        let method_limits = methods.map(|s| (format!("method {}", s.label), &s.limits));
        for cluster in self.limits.keys() {
            if !self.pool.contains(cluster) {
                return Err(WorkerError::Setting(format!(
                    "[limits.{cluster}] names a cluster the pool does not have; it has: {}",
                    self.pool.known()
                )));
            }
        }
        for (what, l) in limits.chain(method_limits) {
            if l.starts_per_second == Some(0) || l.max_in_flight == Some(0) {
                return Err(WorkerError::Setting(format!(
                    "{what}: a limit of 0 would hold every call forever; give at least 1"
                )));
            }
        }
        Ok(())
    }

    /// Checks the registrations against the pool without connecting: every cluster a bridge
    /// needs must be in the pool.
    pub fn check(&self) -> Result<(), WorkerError> {
        if self.bridges.is_empty() {
            return Err(WorkerError::NothingRegistered);
        }
        if self.max_concurrent_calls == 0 {
            return Err(WorkerError::Setting(
                "max_concurrent_calls must be at least 1".into(),
            ));
        }
        if self.max_pollers == 0 {
            return Err(WorkerError::Setting(
                "max_pollers must be at least 1: a bridge that never polls serves no call".into(),
            ));
        }
        if self.max_id_len < MIN_MAX_ID_LEN {
            return Err(WorkerError::Setting(format!(
                "max_id_len must be at least {MIN_MAX_ID_LEN}, got {}",
                self.max_id_len
            )));
        }
        if !self.pool.contains(&self.source) {
            return Err(WorkerError::MissingSource {
                cluster: self.source.clone(),
                known: self.pool.known(),
            });
        }
        self.check_limits()?;
        let mut seen = BTreeSet::new();
        for bridge in &self.bridges {
            for spec in bridge.methods() {
                if !self.pool.contains(spec.cluster) {
                    return Err(WorkerError::MissingCluster {
                        bridge: bridge.bridge_name().to_owned(),
                        method: spec.method.to_owned(),
                        cluster: spec.cluster.to_owned(),
                        known: self.pool.known(),
                    });
                }
                if !seen.insert(spec.activity_type) {
                    return Err(WorkerError::Duplicate {
                        activity_type: spec.activity_type.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// One Prometheus endpoint for the SDK's worker metrics and the bridge's own, when a
    /// metrics address is set: the runtime's options, the bridge's metrics, and the exporter
    /// task (stopped on drop).
    fn telemetry(
        &self,
    ) -> Result<(RuntimeOptions, Arc<BridgeMetrics>, Option<AbortOnDrop>), WorkerError> {
        match self.metrics_address {
            Some(address) => {
                let exporter = start_prometheus_metric_exporter(
                    PrometheusExporterOptions::builder()
                        .socket_addr(address)
                        // Every series, the SDK's and the bridge's, names the polled cluster,
                        // so that one dashboard reads the bridges of every direction.
                        .global_tags([(SOURCE_LABEL.to_owned(), self.source.clone())].into())
                        .build(),
                )
                .map_err(|e| WorkerError::Setting(format!("metrics endpoint on {address}: {e}")))?;
                info!(address = %exporter.bound_addr, "metrics endpoint listening");
                let meter: Arc<dyn CoreMeter> = exporter.meter.clone();
                let options = RuntimeOptions::builder()
                    .telemetry_options(TelemetryOptions::builder().metrics(meter.clone()).build())
                    .build()
                    .map_err(|e| WorkerError::Setting(e.to_string()))?;
                Ok((
                    options,
                    Arc::new(BridgeMetrics::new(meter)),
                    Some(AbortOnDrop(exporter.abort_handle)),
                ))
            }
            None => Ok((
                RuntimeOptions::default(),
                Arc::new(BridgeMetrics::disabled()),
                None,
            )),
        }
    }

    /// The SDK worker options of one bridge queue: its activities, `max_concurrent_calls`
    /// slots, `max_pollers` pollers and the grace period.
    fn queue_options(
        &self,
        queue: &'static str,
        registrations: Vec<Registration>,
    ) -> WorkerOptions {
        let slots = FixedSizeSlotSupplier::new(self.max_concurrent_calls);
        let tuner = TunerHolder::builder()
            .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .activity_task_slot_supplier(slots)
            .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .build();
        WorkerOptions::new(queue)
            .register_activities(QueueActivities(registrations))
            .tuner(tuner)
            .graceful_shutdown_period(self.grace_period)
            .activity_task_poller_behavior(temporalio_sdk::runtime::PollerBehavior::SimpleMaximum(
                self.max_pollers,
            ))
            .build()
    }

    /// Runs until SIGINT or SIGTERM, then stops polling and drains in-flight calls for up to
    /// the grace period.
    pub async fn run_until_signal(self) -> Result<(), WorkerError> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs until `stop` completes, then drains like [`BridgeWorker::run_until_signal`].
    // Longer than most functions here, and kept whole: it is the bridge's life in the order it
    // happens (check, health, connect, telemetry, register, one SDK worker per queue, run,
    // drain), and each step's failure is reported as it arises.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<(), WorkerError> {
        self.check()?;
        let destinations = self.destinations();
        let health = HealthState::new(
            self.pool.clone(),
            &self.source,
            &destinations.iter().copied().collect::<Vec<_>>(),
        );
        let _health_server = match self.health_address {
            Some(address) => {
                let (_, task) = crate::health::serve(address, health.clone())
                    .await
                    .map_err(|e| {
                        WorkerError::Setting(format!("health endpoint on {address}: {e}"))
                    })?;
                Some(AbortOnDrop(task.abort_handle()))
            }
            None => None,
        };
        let source_client = self.pool.client(&self.source).await?;
        for cluster in destinations {
            // A destination that is down now may be up when a call needs it; calls to it are
            // retried, so this is a warning, not a refusal to start.
            if let Err(e) = self.pool.client(cluster).await {
                warn!(error = %e, "destination cluster unreachable at start");
            }
        }
        let (runtime_options, metrics, exporter) = self.telemetry()?;
        let shared = Arc::new(BridgeShared {
            pool: self.pool.clone(),
            source_cluster: self.source.clone(),
            max_id_len: self.max_id_len,
            metrics: metrics.clone(),
            limits: LimitSet::new(&self.limits, self.bridges.iter().flat_map(|b| b.methods())),
        });
        let mut registrar = Registrar {
            shared,
            queues: BTreeMap::new(),
        };
        for bridge in &self.bridges {
            bridge.register(&mut registrar);
        }
        let sdk_error = |queue: &str, message: String| WorkerError::Sdk {
            cluster: self.source.clone(),
            queue: queue.to_owned(),
            message,
        };
        let runtime = Runtime::from_current_tokio(runtime_options)
            .map_err(|e| sdk_error("*", e.to_string()))?;
        let mut workers = Vec::new();
        for (queue, registrations) in registrar.queues {
            let options = self.queue_options(queue, registrations);
            let worker = Worker::new(&runtime, source_client.clone(), options)
                .map_err(|e| sdk_error(queue, e.to_string()))?;
            info!(
                source_cluster = %self.source,
                bridge_queue = queue,
                max_concurrent_calls = self.max_concurrent_calls,
                "bridge worker polling"
            );
            workers.push((queue, worker));
        }
        // The backlog is read only where it is served: with a metrics endpoint.
        let _queue_depth = exporter.as_ref().map(|_| {
            let queues = workers.iter().map(|(queue, _)| *queue).collect();
            let watch = metrics
                .clone()
                .watch_queue_depth(source_client.clone(), queues);
            AbortOnDrop(tokio::spawn(watch).abort_handle())
        });
        let stops: Vec<_> = workers.iter().map(|(_, w)| w.shutdown_handle()).collect();
        let runs = futures::future::join_all(workers.iter_mut().map(|(queue, w)| {
            let queue: &'static str = queue;
            async move { w.run().await.map_err(|e| (queue, e.to_string())) }
        }));
        tokio::pin!(runs);
        health.set(Phase::Polling);
        let results = tokio::select! {
            results = &mut runs => results,
            _ = stop => {
                health.set(Phase::Draining);
                for stop in &stops {
                    stop();
                }
                // Logged once the SDK has been told to stop polling. Polls already waiting on the
                // server end when it hears of the stop, so a call scheduled in that instant may
                // still reach this bridge; it then drains like the others.
                info!(grace_period = ?self.grace_period, "stop requested: no new calls, draining in-flight ones");
                runs.await
            }
        };
        for result in results {
            result.map_err(|(queue, message)| sdk_error(queue, message))?;
        }
        info!("bridge worker stopped");
        Ok(())
    }
}

/// Runs an SDK worker (a service's own workflows and activities, not a bridge) on `cluster`
/// of `pool` until SIGINT or SIGTERM, then shuts it down, letting in-flight tasks finish as the
/// options' graceful shutdown period allows. What the example services' `main` runs.
///
/// ```no_run
/// # async fn demo(options: temporalio_sdk::WorkerOptions) -> Result<(), Box<dyn std::error::Error>> {
/// let pool = bridge_runtime::ClusterPool::from_config("bridge.toml")?;
/// bridge_runtime::run_sdk_worker_until_signal(&pool, "b", options).await?;
/// # Ok(()) }
/// ```
pub async fn run_sdk_worker_until_signal(
    pool: &ClusterPool,
    cluster: &str,
    options: WorkerOptions,
) -> Result<(), WorkerError> {
    run_sdk_worker_until(pool, cluster, options, shutdown_signal()).await
}

/// [`run_sdk_worker_until_signal`], stopping when `stop` completes instead of on a signal.
pub async fn run_sdk_worker_until(
    pool: &ClusterPool,
    cluster: &str,
    options: WorkerOptions,
    stop: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let client = pool.client(cluster).await?;
    run_client_worker_until(client, cluster, options, stop).await
}

/// Runs an SDK worker through `client` until `stop`; `cluster` names it in errors.
pub(crate) async fn run_client_worker_until(
    client: temporalio_client::Client,
    cluster: &str,
    options: WorkerOptions,
    stop: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let queue = options.task_queue.clone();
    let failed = |message: String| WorkerError::Sdk {
        cluster: cluster.to_owned(),
        queue: queue.clone(),
        message,
    };
    let runtime =
        Runtime::from_current_tokio(Default::default()).map_err(|e| failed(e.to_string()))?;
    let mut worker = Worker::new(&runtime, client, options).map_err(|e| failed(e.to_string()))?;
    let shutdown = worker.shutdown_handle();
    let run = worker.run();
    tokio::pin!(run);
    tokio::select! {
        result = &mut run => return result.map_err(|e| failed(e.to_string())),
        _ = stop => shutdown(),
    }
    run.await.map_err(|e| failed(e.to_string()))
}

/// Completes on SIGINT or SIGTERM (Ctrl-C elsewhere).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoMethods;

    impl BridgeRegistration for NoMethods {
        fn bridge_name(&self) -> &'static str {
            "NoMethods"
        }
        fn methods(&self) -> Vec<&'static MethodSpec> {
            Vec::new()
        }
        fn register(&self, _: &mut Registrar) {}
    }

    fn worker() -> BridgeWorker {
        let pool = ClusterPool::builder()
            .cluster("a", "127.0.0.1:7233", "default")
            .build()
            .unwrap();
        BridgeWorker::new(pool, "a").register(NoMethods)
    }

    #[test]
    fn zero_pollers_is_an_error_like_zero_slots() {
        worker().check().unwrap();
        let e = worker().max_pollers(0).check().unwrap_err().to_string();
        assert!(e.contains("max_pollers must be at least 1"), "{e}");
        let e = worker()
            .max_concurrent_calls(0)
            .check()
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_concurrent_calls must be at least 1"), "{e}");
    }
}
