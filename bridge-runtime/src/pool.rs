//! The multi-cluster client pool: one shared SDK [`Client`] per named cluster.

use crate::{
    config::{BridgeConfig, ClusterConfig, DEFAULT_NAMESPACE, PoolConfig, Secret, TlsConfig},
    error::{ConfigError, PoolError},
};
use std::{collections::BTreeMap, fmt, path::Path, str::FromStr, sync::Arc};
use temporalio_client::{
    Client, ClientOptions, ClientTlsOptions, Connection, ConnectionOptions, NamespacedClient,
    TlsOptions, Url,
    envconfig::{DataSource, LoadClientConfigProfileOptions},
    grpc::WorkflowService,
    tonic::{self, IntoRequest},
};
use temporalio_common::protos::temporal::api::{
    enums::v1::{TaskQueueKind, TaskQueueType},
    taskqueue::v1::TaskQueue,
    workflowservice::v1::{DescribeTaskQueueRequest, DescribeTaskQueueResponse},
};
use tokio::sync::OnceCell;

/// Named Temporal clusters and a lazily connected, shared client for each.
///
/// Cloning is cheap and shares the connections. Cluster names are resolved at run time: the
/// macros only record names, and the pool turns them into connections.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use bridge_runtime::ClusterPool;
///
/// let pool = ClusterPool::builder()
///     .cluster("a", "127.0.0.1:7233", "default")
///     .cluster("b", "127.0.0.1:7234", "default")
///     .build()?;
/// let b = pool.client("b").await?; // connects once, then shares
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClusterPool {
    inner: Arc<BTreeMap<String, Cluster>>,
}

struct Cluster {
    config: ClusterConfig,
    client: OnceCell<Client>,
}

impl fmt::Debug for ClusterPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only names, addresses and namespaces: profiles may carry credentials.
        let mut m = f.debug_map();
        for (name, c) in self.inner.iter() {
            m.entry(
                name,
                &format_args!(
                    "{} ({})",
                    c.config
                        .address
                        .as_deref()
                        .or(c.config.profile.as_deref().map(|_| "<profile>"))
                        .or(c.config.connection.as_deref())
                        .unwrap_or("?"),
                    c.config.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
                ),
            );
        }
        m.finish()
    }
}

/// Builds a [`ClusterPool`] in code.
#[derive(Debug, Default)]
pub struct ClusterPoolBuilder {
    config: PoolConfig,
}

impl ClusterPoolBuilder {
    /// Adds a cluster by address (`host:port`) and namespace.
    pub fn cluster(
        mut self,
        name: impl Into<String>,
        address: impl Into<String>,
        namespace: impl Into<String>,
    ) -> Self {
        self.config.clusters.insert(
            name.into(),
            ClusterConfig {
                address: Some(address.into()),
                namespace: Some(namespace.into()),
                ..ClusterConfig::default()
            },
        );
        self
    }

    /// Adds a cluster with full settings.
    pub fn cluster_config(mut self, name: impl Into<String>, config: ClusterConfig) -> Self {
        self.config.clusters.insert(name.into(), config);
        self
    }

    /// Validates the settings, as a configuration file's are, and builds the pool. Nothing
    /// connects yet.
    pub fn build(self) -> Result<ClusterPool, ConfigError> {
        ClusterPool::from_pool_config(self.config, "ClusterPoolBuilder")
    }
}

impl ClusterPool {
    /// Starts an empty builder.
    pub fn builder() -> ClusterPoolBuilder {
        ClusterPoolBuilder::default()
    }

    /// Reads a bridge configuration file ([`BridgeConfig`], the one file a bridge process and
    /// the services beside it share), then applies the `TEMPORAL_BRIDGE_*` environment, and
    /// builds the pool from its `[clusters.*]` tables. The file's other keys (`source`,
    /// `max_concurrent_calls`, …) are checked like every key, and otherwise left to
    /// [`crate::BridgeWorker::from_config`].
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), bridge_runtime::ConfigError> {
    /// let pool = bridge_runtime::ClusterPool::from_config("bridge.toml")?;
    /// # Ok(()) }
    /// ```
    pub fn from_config(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::from_bridge_config(&BridgeConfig::from_file(path)?)
    }

    /// Builds the pool from the environment ([`BridgeConfig::from_env`]): the file that
    /// `TEMPORAL_BRIDGE_CONFIG` names, or else the `TEMPORAL_BRIDGE_CLUSTER_*` variables. Like a
    /// file, the environment is checked whole: an unknown `TEMPORAL_BRIDGE_*` variable is an
    /// error naming it.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_bridge_config(&BridgeConfig::from_env()?)
    }

    /// Builds the pool from the clusters of a loaded [`BridgeConfig`].
    pub fn from_bridge_config(config: &BridgeConfig) -> Result<Self, ConfigError> {
        Self::from_pool_config(config.pool_config(), config.origin())
    }

    /// Builds the pool from clusters already collected; `origin` names them in errors.
    pub fn from_pool_config(config: PoolConfig, origin: &str) -> Result<Self, ConfigError> {
        config.validate(origin)?;
        let clusters = config
            .clusters
            .into_iter()
            .map(|(name, config)| {
                let cluster = Cluster {
                    config,
                    client: OnceCell::new(),
                };
                (name, cluster)
            })
            .collect();
        Ok(Self {
            inner: Arc::new(clusters),
        })
    }

    /// Whether the pool has a cluster of this name.
    pub fn contains(&self, cluster: &str) -> bool {
        self.inner.contains_key(cluster)
    }

    /// The cluster names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.inner.keys().map(String::as_str)
    }

    /// The names, comma-separated, for error messages.
    pub(crate) fn known(&self) -> String {
        self.names().collect::<Vec<_>>().join(", ")
    }

    /// The configured address of a cluster (`None` when it comes from a profile), or of the
    /// cluster whose connection it shares.
    pub fn address(&self, cluster: &str) -> Option<&str> {
        let config = &self.inner.get(cluster)?.config;
        match &config.connection {
            Some(owner) => self.address(owner),
            None => config.address.as_deref(),
        }
    }

    /// The shared client of a cluster, connecting on first use.
    ///
    /// A failed connection is not cached: the next call tries again.
    pub async fn client(&self, cluster: &str) -> Result<Client, PoolError> {
        let entry = self
            .inner
            .get(cluster)
            .ok_or_else(|| PoolError::UnknownCluster {
                cluster: cluster.to_owned(),
                known: self.known(),
            })?;
        entry
            .client
            .get_or_try_init(|| async {
                match &entry.config.connection {
                    // Validated: the owner is in the pool and owns its connection.
                    Some(owner) => {
                        let owner = Box::pin(self.client(owner)).await?;
                        share(cluster, &owner, &entry.config)
                    }
                    None => connect(cluster, &entry.config).await,
                }
            })
            .await
            .cloned()
    }
}

/// A client of `config`'s namespace over the connection of `owner` (a cluster's `connection`).
fn share(name: &str, owner: &Client, config: &ClusterConfig) -> Result<Client, PoolError> {
    let namespace = config.namespace.clone().unwrap_or_default();
    Client::new(
        owner.connection().clone(),
        ClientOptions::new(namespace).build(),
    )
    .map_err(|e| PoolError::Invalid {
        cluster: name.to_owned(),
        message: e.to_string(),
    })
}

async fn connect(name: &str, config: &ClusterConfig) -> Result<Client, PoolError> {
    let invalid = |message: String| PoolError::Invalid {
        cluster: name.to_owned(),
        message,
    };
    let (mut conn_opts, mut namespace) = match &config.profile {
        Some(profile) => {
            let options = LoadClientConfigProfileOptions::builder()
                .config_file_profile(profile.clone())
                .maybe_config_source(
                    config
                        .config_file
                        .as_ref()
                        .map(|p| DataSource::Path(p.display().to_string())),
                )
                .config_file_strict(true)
                .disable_env(true)
                .build();
            let (conn, client) = ClientOptions::load_from_config(options)
                .map_err(|e| invalid(format!("temporal.toml profile `{profile}`: {e}")))?;
            (conn, client.namespace.clone())
        }
        None => {
            let address = config.address.as_deref().unwrap_or_default();
            let url = Url::from_str(&format!("http://{address}"))
                .map_err(|e| invalid(format!("bad address `{address}`: {e}")))?;
            (
                ConnectionOptions::new(url).build(),
                DEFAULT_NAMESPACE.to_owned(),
            )
        }
    };
    if let Some(ns) = &config.namespace {
        namespace = ns.clone();
    }
    if let Some(address) = &config.address
        && config.profile.is_some()
    {
        conn_opts.target = Url::from_str(&format!("http://{address}"))
            .map_err(|e| invalid(format!("bad address `{address}`: {e}")))?;
    }
    if let Some(key) = &config.api_key {
        conn_opts.api_key = Some(key.expose().to_owned());
    }
    if let Some(tls) = config.tls.as_ref().filter(|t| !t.disabled) {
        conn_opts.tls_options = Some(tls_options(tls).map_err(invalid)?);
        conn_opts
            .target
            .set_scheme("https")
            .map_err(|()| invalid(format!("cannot use TLS with `{}`", conn_opts.target)))?;
    }
    if !config.grpc_meta.is_empty() {
        let headers = conn_opts.headers.get_or_insert_with(Default::default);
        for (name, value) in &config.grpc_meta {
            headers.insert(name.clone(), value.expose().to_owned());
        }
    }
    let address = conn_opts.target.to_string();
    let connection = Connection::connect(conn_opts)
        .await
        .map_err(|e| PoolError::Unreachable {
            cluster: name.to_owned(),
            address: address.clone(),
            message: e.to_string(),
        })?;
    Client::new(connection, ClientOptions::new(namespace).build()).map_err(|e| {
        PoolError::Unreachable {
            cluster: name.to_owned(),
            address,
            message: e.to_string(),
        }
    })
}

/// `DescribeTaskQueue` of `queue`'s `kind` tasks in `client`'s namespace, with the queue's
/// statistics (its backlog) when `stats` is set: what the stuck look and the queue-depth
/// metric read.
pub(crate) async fn describe_task_queue(
    client: &Client,
    queue: &str,
    kind: TaskQueueType,
    stats: bool,
) -> Result<DescribeTaskQueueResponse, tonic::Status> {
    let request = DescribeTaskQueueRequest {
        namespace: client.namespace(),
        task_queue: Some(TaskQueue {
            name: queue.to_owned(),
            kind: TaskQueueKind::Normal as i32,
            ..Default::default()
        }),
        task_queue_type: kind as i32,
        report_stats: stats,
        ..Default::default()
    };
    let mut service = client.clone();
    WorkflowService::describe_task_queue(&mut service, request.into_request())
        .await
        .map(tonic::Response::into_inner)
}

/// The SDK's TLS options from a cluster's `tls` table, reading the files it names.
fn tls_options(tls: &TlsConfig) -> Result<TlsOptions, String> {
    let pem = |path: &Option<std::path::PathBuf>,
               data: Option<&str>,
               what: &str|
     -> Result<Option<Vec<u8>>, String> {
        match (path, data) {
            (Some(path), _) => std::fs::read(path)
                .map(Some)
                .map_err(|e| format!("`tls.{what}_path` `{}`: {e}", path.display())),
            (None, Some(data)) => Ok(Some(data.as_bytes().to_vec())),
            (None, None) => Ok(None),
        }
    };
    let ca = pem(
        &tls.server_ca_cert_path,
        tls.server_ca_cert_data.as_deref(),
        "server_ca_cert",
    )?;
    let cert = pem(
        &tls.client_cert_path,
        tls.client_cert_data.as_deref(),
        "client_cert",
    )?;
    let key = pem(
        &tls.client_key_path,
        tls.client_key_data.as_ref().map(Secret::expose),
        "client_key",
    )?;
    let client = match (cert, key) {
        (Some(client_cert), Some(client_private_key)) => Some(
            ClientTlsOptions::builder()
                .client_cert(client_cert)
                .client_private_key(client_private_key)
                .build(),
        ),
        _ => None,
    };
    Ok(TlsOptions::builder()
        .maybe_server_root_ca_cert(ca)
        .maybe_domain(tls.server_name.clone())
        .maybe_client_tls_options(client)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_cluster_is_named_with_the_known_ones() {
        let pool = ClusterPool::builder()
            .cluster("a", "127.0.0.1:1", "default")
            .build()
            .unwrap();
        let e = pool.client("zz").await.unwrap_err().to_string();
        assert!(e.contains("`zz`") && e.contains("a"), "{e}");
    }

    #[tokio::test]
    async fn unreachable_cluster_is_named_with_its_address() {
        // Port 1 on loopback refuses connections at once.
        let pool = ClusterPool::builder()
            .cluster("b", "127.0.0.1:1", "default")
            .build()
            .unwrap();
        let e = pool.client("b").await.unwrap_err().to_string();
        assert!(e.contains("`b`") && e.contains("127.0.0.1:1"), "{e}");
    }

    #[tokio::test]
    async fn a_missing_tls_file_is_named_with_the_cluster() {
        let pool = ClusterPool::builder()
            .cluster_config(
                "b",
                ClusterConfig {
                    address: Some("127.0.0.1:1".into()),
                    tls: Some(TlsConfig {
                        server_ca_cert_path: Some("/nonexistent/ca.pem".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .build()
            .unwrap();
        let e = pool.client("b").await.unwrap_err().to_string();
        assert!(
            e.contains("`b`") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
    }

    #[test]
    fn the_builder_checks_what_a_file_checks() {
        let address = |a: &str| ClusterConfig {
            address: Some(a.into()),
            ..Default::default()
        };
        let cases = [
            ("b", address("http://127.0.0.1:7233"), "without a scheme"),
            ("B!", address("127.0.0.1:7233"), "a-z, 0-9"),
            (
                "b",
                ClusterConfig {
                    namespace: Some(" ".into()),
                    ..address("127.0.0.1:7233")
                },
                "`namespace` is empty",
            ),
            (
                "b",
                ClusterConfig {
                    tls: Some(TlsConfig {
                        client_cert_path: Some("/c.pem".into()),
                        ..Default::default()
                    }),
                    ..address("127.0.0.1:7233")
                },
                "needs its key",
            ),
            (
                "b",
                ClusterConfig::default(),
                "needs `address` or `profile`",
            ),
        ];
        for (name, config, culprit) in cases {
            let e = ClusterPool::builder()
                .cluster_config(name, config)
                .build()
                .unwrap_err()
                .to_string();
            assert!(e.contains(culprit) && e.contains(name), "{e}");
        }
    }

    #[tokio::test]
    async fn a_shared_connection_is_the_owner_s_address_and_its_errors() {
        let pool = ClusterPool::builder()
            .cluster("b", "127.0.0.1:1", "default")
            .cluster_config(
                "b-billing",
                ClusterConfig {
                    connection: Some("b".into()),
                    namespace: Some("billing".into()),
                    ..Default::default()
                },
            )
            .build()
            .unwrap();
        assert_eq!(pool.address("b-billing"), Some("127.0.0.1:1"));
        // The connection is the owner's: its failure names the owner and its address.
        let e = pool.client("b-billing").await.unwrap_err().to_string();
        assert!(e.contains("`b`") && e.contains("127.0.0.1:1"), "{e}");
        assert!(format!("{pool:?}").contains("b-billing"));
    }

    #[test]
    fn empty_pool_is_an_error() {
        assert!(matches!(
            ClusterPool::builder().build(),
            Err(ConfigError::Empty { .. })
        ));
    }

    #[test]
    fn debug_shows_no_profile_contents() {
        let pool = ClusterPool::builder()
            .cluster_config(
                "b",
                ClusterConfig {
                    profile: Some("secret-profile".into()),
                    ..Default::default()
                },
            )
            .build()
            .unwrap();
        let d = format!("{pool:?}");
        assert!(!d.contains("secret-profile"), "{d}");
    }
}
