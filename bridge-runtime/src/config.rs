//! A bridge's configuration: one TOML file ([`BridgeConfig`]), environment variables, or both.
//!
//! The bridge process and every service that needs only the [`crate::ClusterPool`] read the
//! same file: [`crate::ClusterPool::from_config`] takes its `[clusters.*]` tables and checks the
//! rest, and [`crate::BridgeWorker::from_config`] takes all of it.
//!
//! ```toml
//! # bridge.toml
//! source = "a"
//!
//! [clusters.a]
//! address = "orders.temporal.internal:7233"
//! namespace = "orders"
//!
//! [clusters.b]
//! # Any profile of the Temporal CLI's temporal.toml (address, namespace, TLS, API key).
//! profile = "fulfillment-eu"
//! ```
//!
//! Environment variables add clusters or override a file's fields, one cluster at a time:
//! `TEMPORAL_BRIDGE_CLUSTER_<NAME>_ADDRESS`, `..._NAMESPACE`, `..._PROFILE`,
//! `..._CONFIG_FILE`, `..._API_KEY` and `..._CONNECTION`, where `<NAME>` is the cluster name in upper case. The SDK's own
//! `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE` are deliberately ignored: they describe one
//! cluster, and letting them apply to every cluster of a bridge would silently point all of them
//! at the same server.

use crate::error::ConfigError;
use serde::Deserialize;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// Prefix of the per-cluster environment variables (`TEMPORAL_BRIDGE_CLUSTER_<NAME>_ADDRESS`, …).
pub const CLUSTER_ENV_PREFIX: &str = "TEMPORAL_BRIDGE_CLUSTER_";

/// The namespace used when a cluster names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The clusters of a pool, by name: the `[clusters.*]` tables of a [`BridgeConfig`], or what a
/// [`crate::ClusterPoolBuilder`] collects. Every way to build a pool checks it with
/// [`PoolConfig::validate`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolConfig {
    /// Clusters by name.
    pub clusters: BTreeMap<String, ClusterConfig>,
}

/// One cluster of the pool.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// `host:port` of the cluster's frontend. Required unless `profile` is set.
    #[serde(default)]
    pub address: Option<String>,
    /// Namespace to use. Defaults to the profile's, then to `default`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// A profile of the Temporal CLI's `temporal.toml`, for address, namespace, TLS and API key.
    #[serde(default)]
    pub profile: Option<String>,
    /// The `temporal.toml` to read the profile from; defaults to the CLI's usual location.
    #[serde(default)]
    pub config_file: Option<PathBuf>,
    /// An API key, sent as `authorization: Bearer <key>`; overrides the profile's. Never logged.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// TLS to the cluster (and mTLS with a client certificate); overrides the profile's.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Extra gRPC headers on every request, as the CLI profile's `grpc_meta`. Values are
    /// treated as secrets.
    #[serde(default)]
    pub grpc_meta: BTreeMap<String, Secret>,
    /// Another cluster of the pool whose connection this entry shares, with a namespace of its
    /// own: two namespaces of one server, one connection. Such an entry sets `namespace` and
    /// nothing that belongs to a connection (`address`, `profile`, `config_file`, `api_key`,
    /// `tls`, `grpc_meta`).
    ///
    /// ```toml
    /// [clusters.b]
    /// address = "eu.temporal.internal:7233"
    /// namespace = "fulfillment"
    ///
    /// [clusters.b-billing]
    /// connection = "b"
    /// namespace = "billing"
    /// ```
    #[serde(default)]
    pub connection: Option<String>,
}

/// TLS settings of a cluster, with the field names of a `temporal.toml` profile's `tls` table.
/// Each certificate or key is a path or inline PEM data, not both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Connect without TLS even though the table exists.
    #[serde(default)]
    pub disabled: bool,
    /// The CA that signed the server's certificate (default: the system's roots).
    #[serde(default)]
    pub server_ca_cert_path: Option<PathBuf>,
    /// The same, as PEM text.
    #[serde(default)]
    pub server_ca_cert_data: Option<String>,
    /// The name to verify the server's certificate against (default: the address's host).
    #[serde(default)]
    pub server_name: Option<String>,
    /// The client certificate for mTLS.
    #[serde(default)]
    pub client_cert_path: Option<PathBuf>,
    /// The same, as PEM text.
    #[serde(default)]
    pub client_cert_data: Option<String>,
    /// The client certificate's private key.
    #[serde(default)]
    pub client_key_path: Option<PathBuf>,
    /// The same, as PEM text. Never logged.
    #[serde(default)]
    pub client_key_data: Option<Secret>,
}

impl TlsConfig {
    fn validate(&self) -> Result<(), String> {
        let both = |a: bool, b: bool, what: &str| {
            if a && b {
                Err(format!(
                    "`tls`: set `{what}_path` or `{what}_data`, not both"
                ))
            } else {
                Ok(())
            }
        };
        both(
            self.server_ca_cert_path.is_some(),
            self.server_ca_cert_data.is_some(),
            "server_ca_cert",
        )?;
        both(
            self.client_cert_path.is_some(),
            self.client_cert_data.is_some(),
            "client_cert",
        )?;
        both(
            self.client_key_path.is_some(),
            self.client_key_data.is_some(),
            "client_key",
        )?;
        let cert = self.client_cert_path.is_some() || self.client_cert_data.is_some();
        let key = self.client_key_path.is_some() || self.client_key_data.is_some();
        if cert != key {
            return Err(
                "`tls`: a client certificate needs its key and a key its certificate".to_owned(),
            );
        }
        Ok(())
    }
}

/// A credential from configuration: its `Debug` and `Display` show `<redacted>`, never the value.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the connection that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PoolConfig {
    /// Checks every cluster's name and settings (address or profile, no scheme, namespace,
    /// TLS); `origin` names the source in errors. Files, the environment and the builder all
    /// pass through here.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        if self.clusters.is_empty() {
            return Err(ConfigError::Empty {
                origin: origin.to_owned(),
            });
        }
        for (name, cluster) in &self.clusters {
            validate_name(name, origin)?;
            cluster.validate(name, origin)?;
        }
        self.validate_connections(origin)
    }

    /// Each `connection` names a cluster of the pool that has a connection of its own.
    fn validate_connections(&self, origin: &str) -> Result<(), ConfigError> {
        for (name, cluster) in &self.clusters {
            let Some(shared) = &cluster.connection else {
                continue;
            };
            let err = |message: String| ConfigError::Cluster {
                cluster: name.to_owned(),
                origin: origin.to_owned(),
                message,
            };
            match self.clusters.get(shared) {
                None => {
                    let known = self.clusters.keys().cloned().collect::<Vec<_>>().join(", ");
                    return Err(err(format!(
                        "`connection = \"{shared}\"` names no cluster; the pool has: {known}"
                    )));
                }
                Some(other) if other.connection.is_some() => {
                    return Err(err(format!(
                        "`connection = \"{shared}\"` names a cluster that shares a connection \
                         itself; name the cluster that owns it"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Adds or overrides clusters from `vars` (normally [`std::env::vars`]).
    ///
    /// Only variables starting with [`CLUSTER_ENV_PREFIX`] are read; an unknown field is an error naming
    /// the variable, so a typo does not go unnoticed.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        let origin = FROM_ENV;
        for (key, value) in vars {
            let Some(rest) = key.strip_prefix(CLUSTER_ENV_PREFIX) else {
                continue;
            };
            let (name, field) = [
                "_CONFIG_FILE",
                "_API_KEY",
                "_ADDRESS",
                "_NAMESPACE",
                "_PROFILE",
                "_CONNECTION",
            ]
            .iter()
            .find_map(|f| rest.strip_suffix(f).map(|n| (n, *f)))
            .ok_or_else(|| ConfigError::Cluster {
                cluster: rest.to_lowercase(),
                origin: origin.to_owned(),
                message: format!(
                    "`{key}` must end in _ADDRESS, _NAMESPACE, _PROFILE, _CONFIG_FILE, \
                         _API_KEY or _CONNECTION"
                ),
            })?;
            let name = name.to_lowercase();
            validate_name(&name, origin)?;
            let entry = self.clusters.entry(name).or_default();
            match field {
                "_ADDRESS" => entry.address = Some(value),
                "_NAMESPACE" => entry.namespace = Some(value),
                "_PROFILE" => entry.profile = Some(value),
                "_API_KEY" => entry.api_key = Some(Secret::new(value)),
                "_CONNECTION" => entry.connection = Some(value.to_lowercase()),
                _ => entry.config_file = Some(PathBuf::from(value)),
            }
        }
        for (name, cluster) in &self.clusters {
            cluster.validate(name, origin)?;
        }
        self.validate_connections(origin)
    }
}

impl ClusterConfig {
    fn validate(&self, name: &str, origin: &str) -> Result<(), ConfigError> {
        let err = |message: String| ConfigError::Cluster {
            cluster: name.to_owned(),
            origin: origin.to_owned(),
            message,
        };
        if self.connection.is_some() {
            return self.validate_shared(name, origin);
        }
        match (&self.address, &self.profile) {
            (None, None) => return Err(err("needs `address` or `profile`".to_owned())),
            (Some(a), _) if a.trim().is_empty() => {
                return Err(err("`address` is empty".to_owned()));
            }
            (Some(a), _) if a.contains("://") => {
                return Err(err(format!(
                    "`address` is `host:port`, without a scheme; got `{a}`"
                )));
            }
            _ => {}
        }
        if self.config_file.is_some() && self.profile.is_none() {
            return Err(err("`config_file` is only used with `profile`".to_owned()));
        }
        if matches!(&self.namespace, Some(ns) if ns.trim().is_empty()) {
            return Err(err("`namespace` is empty".to_owned()));
        }
        if let Some(tls) = &self.tls {
            tls.validate().map_err(err)?;
        }
        Ok(())
    }

    /// An entry that shares another's connection names its namespace and nothing else.
    fn validate_shared(&self, name: &str, origin: &str) -> Result<(), ConfigError> {
        let err = |message: String| ConfigError::Cluster {
            cluster: name.to_owned(),
            origin: origin.to_owned(),
            message,
        };
        let shared = self.connection.as_deref().unwrap_or_default();
        if shared == name {
            return Err(err("`connection` names the cluster itself".to_owned()));
        }
        let connection_keys = [
            ("address", self.address.is_some()),
            ("profile", self.profile.is_some()),
            ("config_file", self.config_file.is_some()),
            ("api_key", self.api_key.is_some()),
            ("tls", self.tls.is_some()),
            ("grpc_meta", !self.grpc_meta.is_empty()),
        ];
        if let Some((key, _)) = connection_keys.iter().find(|(_, set)| *set) {
            return Err(err(format!(
                "`{key}` belongs to the connection, which this cluster shares with \
                 `{shared}`: set it there"
            )));
        }
        match &self.namespace {
            None => Err(err(format!(
                "shares the connection of `{shared}` and needs a `namespace` of its own"
            ))),
            Some(ns) if ns.trim().is_empty() => Err(err("`namespace` is empty".to_owned())),
            Some(_) => Ok(()),
        }
    }
}

/// How a bridge process writes its logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, with every span field.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format is `text` or `json`, got `{other}`")),
        }
    }
}

/// A bridge process's whole configuration file (see the README's Configuration section).
///
/// ```toml
/// source = "a"                      # the cluster whose bridge queue this bridge polls
/// max_concurrent_calls = 1000
/// max_pollers = 50
/// grace_period_secs = 10            # drain time after SIGTERM
/// max_id_len = 1000
/// metrics_address = "0.0.0.0:9464"  # Prometheus, GET /metrics
/// health_address = "0.0.0.0:8080"   # GET /healthz and /readyz
/// log_format = "json"               # or "text"
///
/// [clusters.a]
/// address = "orders.temporal.internal:7233"
/// [clusters.b]
/// profile = "fulfillment-eu"
///
/// [limits.b]                         # calls to cluster b, from this process
/// starts_per_second = 50
/// max_in_flight = 2000
/// ```
///
/// Every key is optional in the file: a bridge process needs `source` (from the file or
/// `TEMPORAL_BRIDGE_SOURCE`), a service that needs only the pool does not, and clusters may come
/// from the environment alone. Unknown keys are errors naming the key. Environment variables
/// override the file: `TEMPORAL_BRIDGE_SOURCE`, `TEMPORAL_BRIDGE_METRICS_ADDRESS`,
/// `TEMPORAL_BRIDGE_HEALTH_ADDRESS`, `TEMPORAL_BRIDGE_LOG_FORMAT`, and per cluster the
/// `TEMPORAL_BRIDGE_CLUSTER_*` variables; `TEMPORAL_BRIDGE_CONFIG` names the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeConfig {
    /// The polled cluster's name.
    #[serde(default)]
    pub source: Option<String>,
    /// `BridgeWorker::max_concurrent_calls`.
    #[serde(default)]
    pub max_concurrent_calls: Option<usize>,
    /// `BridgeWorker::max_pollers`.
    #[serde(default)]
    pub max_pollers: Option<usize>,
    /// `BridgeWorker::grace_period`, in seconds.
    #[serde(default)]
    pub grace_period_secs: Option<u64>,
    /// `BridgeWorker::max_id_len`.
    #[serde(default)]
    pub max_id_len: Option<usize>,
    /// Where to serve Prometheus metrics.
    #[serde(default)]
    pub metrics_address: Option<std::net::SocketAddr>,
    /// Where to serve `/healthz` and `/readyz`.
    #[serde(default)]
    pub health_address: Option<std::net::SocketAddr>,
    /// Log lines as text or JSON.
    #[serde(default)]
    pub log_format: Option<LogFormat>,
    /// The clusters, as in [`PoolConfig`].
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterConfig>,
    /// Limits on the calls to each destination cluster (`[limits.b]`), see
    /// [`crate::Limits`].
    #[serde(default)]
    pub limits: BTreeMap<String, crate::spec::Limits>,
    /// Where this configuration came from, for error messages: a file's path, or
    /// [`FROM_ENV`]. `None` for one built in code.
    #[serde(skip)]
    origin: Option<String>,
}

/// How errors name configuration that came from environment variables alone.
pub const FROM_ENV: &str = "the environment";

/// The variable that names a bridge configuration file.
pub const CONFIG_ENV: &str = "TEMPORAL_BRIDGE_CONFIG";

/// Prefix of the bridge-level environment overrides.
pub const BRIDGE_ENV_PREFIX: &str = "TEMPORAL_BRIDGE_";

impl BridgeConfig {
    /// Reads the TOML file at `path`, then applies the `TEMPORAL_BRIDGE_*` environment: what a
    /// bridge process and the services beside it start from.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), bridge_runtime::ConfigError> {
    /// let config = bridge_runtime::config::BridgeConfig::from_file("bridge.toml")?;
    /// assert_eq!(config.origin(), "bridge.toml");
    /// # Ok(()) }
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::from_toml(&text, &path.display().to_string())?;
        config.apply_env(std::env::vars())?;
        Ok(config)
    }

    /// The file that `TEMPORAL_BRIDGE_CONFIG` names, as [`BridgeConfig::from_file`]; without
    /// that variable, the `TEMPORAL_BRIDGE_*` environment alone.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(path) = std::env::var_os(CONFIG_ENV) {
            return Self::from_file(path);
        }
        let mut config = Self {
            origin: Some(FROM_ENV.to_owned()),
            ..Self::default()
        };
        config.apply_env(std::env::vars())?;
        Ok(config)
    }

    /// Parses a TOML document; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let mut config: BridgeConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.origin = Some(origin.to_owned());
        // The clusters' own checks; a file may leave every cluster to the environment.
        if !config.clusters.is_empty() {
            config.pool_config().validate(origin)?;
        }
        Ok(config)
    }

    /// Where this configuration came from: the file's path, [`FROM_ENV`], or `code`.
    pub fn origin(&self) -> &str {
        self.origin.as_deref().unwrap_or("code")
    }

    /// The source cluster, or an error naming where it should have been set.
    pub fn source_cluster(&self) -> Result<&str, ConfigError> {
        self.source.as_deref().ok_or_else(|| ConfigError::NoSource {
            origin: self.origin().to_owned(),
        })
    }

    /// Applies `TEMPORAL_BRIDGE_*` overrides from `vars` (normally [`std::env::vars`]).
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let bad = |key: &str, message: String| ConfigError::Parse {
            origin: format!("environment variable `{key}`"),
            message,
        };
        for (key, value) in &vars {
            let Some(field) = key.strip_prefix(BRIDGE_ENV_PREFIX) else {
                continue;
            };
            match field {
                "SOURCE" => self.source = Some(value.clone()),
                "METRICS_ADDRESS" => {
                    self.metrics_address = Some(
                        value
                            .parse()
                            .map_err(|e| bad(key, format!("{e}: `{value}`")))?,
                    )
                }
                "HEALTH_ADDRESS" => {
                    self.health_address = Some(
                        value
                            .parse()
                            .map_err(|e| bad(key, format!("{e}: `{value}`")))?,
                    )
                }
                "LOG_FORMAT" => self.log_format = Some(value.parse().map_err(|e| bad(key, e))?),
                // The config file's path, read by the CLI; the clusters' own variables.
                "CONFIG" => {}
                _ if field.starts_with("CLUSTER_") => {}
                _ => {
                    return Err(bad(
                        key,
                        "unknown; the bridge reads TEMPORAL_BRIDGE_SOURCE, _METRICS_ADDRESS, \
                         _HEALTH_ADDRESS, _LOG_FORMAT, _CONFIG and _CLUSTER_<NAME>_*"
                            .to_owned(),
                    ));
                }
            }
        }
        let mut pool = PoolConfig {
            clusters: std::mem::take(&mut self.clusters),
        };
        pool.apply_env(vars)?;
        self.clusters = pool.clusters;
        Ok(())
    }

    /// The clusters, for [`crate::ClusterPool::from_pool_config`].
    pub fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            clusters: self.clusters.clone(),
        }
    }
}

/// The rule for cluster names, in files, the environment and builders: they appear in ids and
/// environment variable names, so a-z, 0-9, `-` and `_`, and not empty. `#[bridge]` checks its
/// `cluster` keys early for a spanned message, and the code it generates passes each name
/// through [`crate::spec::cluster_name`], which applies this function at compile time: a name
/// the macro accepted and this rule refuses does not compile.
pub const fn valid_cluster_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

fn validate_name(name: &str, origin: &str) -> Result<(), ConfigError> {
    let ok = valid_cluster_name(name);
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Cluster {
            cluster: name.to_owned(),
            origin: origin.to_owned(),
            message: "cluster names use only a-z, 0-9, `-` and `_`".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clusters of a bridge file.
    fn pool(text: &str, origin: &str) -> Result<PoolConfig, ConfigError> {
        BridgeConfig::from_toml(text, origin).map(|c| c.pool_config())
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_cluster_name_rule_is_the_one_generated_code_checks() {
        for ok in ["b", "eu-west_2", "0"] {
            assert!(valid_cluster_name(ok), "{ok}");
            assert_eq!(crate::spec::cluster_name(ok), ok);
        }
        for bad in ["", "B", "eu west", "b.c", "é"] {
            assert!(!valid_cluster_name(bad), "{bad}");
            assert!(validate_name(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_clusters() {
        let c = pool(
            "[clusters.a]\naddress = \"127.0.0.1:7233\"\n[clusters.b]\nprofile = \"eu\"\nnamespace = \"ful\"\n",
            "bridge.toml",
        )
        .unwrap();
        assert_eq!(c.clusters["a"].address.as_deref(), Some("127.0.0.1:7233"));
        assert_eq!(c.clusters["b"].profile.as_deref(), Some("eu"));
        assert_eq!(c.clusters["b"].namespace.as_deref(), Some("ful"));
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let e = pool("[clusters.a]\nadress = \"x:1\"\n", "bridge.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("adress"), "{e}");
        assert!(e.contains("bridge.toml"), "{e}");
    }

    #[test]
    fn incomplete_cluster_is_named() {
        let e = pool("[clusters.b]\nnamespace = \"x\"\n", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`b`") && e.contains("address"), "{e}");
    }

    #[test]
    fn scheme_in_address_is_rejected() {
        let e = pool("[clusters.a]\naddress = \"http://x:1\"\n", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("without a scheme"), "{e}");
    }

    #[test]
    fn a_cluster_shares_another_connection_under_its_own_namespace() {
        let base = "[clusters.b]\naddress = \"b:1\"\n";
        let c = pool(
            &format!("{base}[clusters.b-billing]\nconnection = \"b\"\nnamespace = \"billing\"\n"),
            "f.toml",
        )
        .unwrap();
        assert_eq!(c.clusters["b-billing"].connection.as_deref(), Some("b"));
        let cases = [
            (
                "connection = \"zz\"\nnamespace = \"x\"",
                "names no cluster; the pool has: b, s, t",
            ),
            (
                "connection = \"s\"\nnamespace = \"x\"",
                "shares a connection itself",
            ),
            ("connection = \"b\"", "needs a `namespace` of its own"),
            (
                "connection = \"b\"\nnamespace = \" \"",
                "`namespace` is empty",
            ),
            (
                "connection = \"b\"\nnamespace = \"x\"\naddress = \"c:1\"",
                "`address` belongs to the connection",
            ),
            (
                "connection = \"b\"\nnamespace = \"x\"\n[clusters.t.tls]\n",
                "`tls` belongs to the connection",
            ),
            (
                "connection = \"s\"\nnamespace = \"x\"",
                "`connection` names the cluster itself",
            ),
        ];
        for (i, (entry, culprit)) in cases.into_iter().enumerate() {
            // `s` shares `b`'s connection in every case but the self-reference.
            let text = if i == 6 {
                format!("{base}[clusters.s]\n{entry}\n")
            } else {
                format!(
                    "{base}[clusters.s]\nconnection = \"b\"\nnamespace = \"s\"\n[clusters.t]\n{entry}\n"
                )
            };
            let e = pool(&text, "f.toml").unwrap_err().to_string();
            assert!(e.contains(culprit) && e.contains("f.toml"), "{entry}: {e}");
        }
        let mut c = pool(base, "f.toml").unwrap();
        c.apply_env(vars(&[
            ("TEMPORAL_BRIDGE_CLUSTER_B_BILLING_CONNECTION", "B"),
            ("TEMPORAL_BRIDGE_CLUSTER_B_BILLING_NAMESPACE", "billing"),
        ]))
        .unwrap();
        assert_eq!(c.clusters["b_billing"].connection.as_deref(), Some("b"));
    }

    #[test]
    fn env_adds_and_overrides_per_cluster_and_ignores_temporal_address() {
        let mut c = pool("[clusters.a]\naddress = \"file:1\"\n", "f.toml").unwrap();
        c.apply_env(vars(&[
            ("TEMPORAL_ADDRESS", "leak:1"),
            ("TEMPORAL_BRIDGE_CLUSTER_A_ADDRESS", "env:1"),
            ("TEMPORAL_BRIDGE_CLUSTER_EU_WEST_ADDRESS", "eu:1"),
            ("TEMPORAL_BRIDGE_CLUSTER_EU_WEST_NAMESPACE", "ful"),
        ]))
        .unwrap();
        assert_eq!(c.clusters["a"].address.as_deref(), Some("env:1"));
        assert_eq!(c.clusters["eu_west"].address.as_deref(), Some("eu:1"));
        assert_eq!(c.clusters["eu_west"].namespace.as_deref(), Some("ful"));
        assert_eq!(c.clusters.len(), 2);
    }

    #[test]
    fn api_keys_come_from_file_or_env_and_never_show_in_debug() {
        let mut c = pool(
            "[clusters.a]\naddress = \"x:1\"\napi_key = \"file-key-123\"\n",
            "f.toml",
        )
        .unwrap();
        c.apply_env(vars(&[(
            "TEMPORAL_BRIDGE_CLUSTER_B_API_KEY",
            "env-key-456",
        )]))
        .unwrap_err(); // `b` has a key but no address: named below
        c.clusters.remove("b");
        c.apply_env(vars(&[
            ("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS", "y:1"),
            ("TEMPORAL_BRIDGE_CLUSTER_B_API_KEY", "env-key-456"),
        ]))
        .unwrap();
        assert_eq!(
            c.clusters["a"].api_key.as_ref().unwrap().expose(),
            "file-key-123"
        );
        assert_eq!(
            c.clusters["b"].api_key.as_ref().unwrap().expose(),
            "env-key-456"
        );
        let shown = format!("{c:?} {}", c.clusters["a"].api_key.as_ref().unwrap());
        assert!(
            !shown.contains("file-key-123") && !shown.contains("env-key-456"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn tls_and_grpc_meta_parse_validate_and_stay_out_of_debug() {
        let c = pool(
            "[clusters.b]\naddress = \"x:1\"\n[clusters.b.tls]\nserver_name = \"b.example\"\n\
             client_cert_data = \"CERT\"\nclient_key_data = \"KEY-MATERIAL-77\"\n\
             [clusters.b.grpc_meta]\nx-tenant-token = \"TOKEN-99\"\n",
            "f.toml",
        )
        .unwrap();
        let tls = c.clusters["b"].tls.as_ref().unwrap();
        assert_eq!(tls.server_name.as_deref(), Some("b.example"));
        assert_eq!(
            tls.client_key_data.as_ref().unwrap().expose(),
            "KEY-MATERIAL-77"
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("KEY-MATERIAL-77") && !shown.contains("TOKEN-99"),
            "{shown}"
        );
        for (text, culprit) in [
            ("client_cert_data = \"C\"\n", "needs its key"),
            (
                "server_ca_cert_path = \"a\"\nserver_ca_cert_data = \"b\"\n",
                "server_ca_cert",
            ),
            ("client_crt_path = \"a\"\n", "client_crt_path"),
        ] {
            let e = pool(
                &format!("[clusters.b]\naddress = \"x:1\"\n[clusters.b.tls]\n{text}"),
                "f.toml",
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains(culprit), "{e}");
        }
    }

    #[test]
    fn bridge_config_reads_its_keys_and_env_overrides_them() {
        let mut c = BridgeConfig::from_toml(
            "source = \"a\"\nmax_pollers = 7\nhealth_address = \"127.0.0.1:8080\"\n\
             log_format = \"json\"\n[clusters.a]\naddress = \"x:1\"\n",
            "bridge.toml",
        )
        .unwrap();
        assert_eq!(c.max_pollers, Some(7));
        assert_eq!(c.log_format, Some(LogFormat::Json));
        c.apply_env(vars(&[
            ("TEMPORAL_BRIDGE_SOURCE", "b"),
            ("TEMPORAL_BRIDGE_LOG_FORMAT", "text"),
            ("TEMPORAL_BRIDGE_CLUSTER_B_ADDRESS", "y:1"),
        ]))
        .unwrap();
        assert_eq!(c.source.as_deref(), Some("b"));
        assert_eq!(c.log_format, Some(LogFormat::Text));
        assert_eq!(c.clusters["b"].address.as_deref(), Some("y:1"));
        assert_eq!(c.clusters["a"].address.as_deref(), Some("x:1"));
    }

    #[test]
    fn bridge_config_errors_name_the_key_or_variable() {
        let e = BridgeConfig::from_toml("sorce = \"a\"\n", "bridge.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sorce") && e.contains("bridge.toml"), "{e}");
        let e = BridgeConfig::from_toml("[clusters.b]\nnamespace = \"x\"\n", "bridge.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`b`") && e.contains("address"), "{e}");
        for (key, value) in [
            ("TEMPORAL_BRIDGE_HEALTH_ADDRESS", "localhost"),
            ("TEMPORAL_BRIDGE_LOG_FORMAT", "xml"),
            ("TEMPORAL_BRIDGE_SORUCE", "a"),
        ] {
            let e = BridgeConfig::default()
                .apply_env(vars(&[(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn a_pool_file_is_a_bridge_file_with_the_same_checks() {
        // The bridge's own file, `source` and all, is what the pool reads.
        let text = "source = \"a\"\nmax_pollers = 3\n[clusters.a]\naddress = \"x:1\"\n";
        let c = BridgeConfig::from_toml(text, "bridge.toml").unwrap();
        assert_eq!(c.source_cluster().unwrap(), "a");
        assert_eq!(c.origin(), "bridge.toml");
        assert_eq!(c.pool_config().clusters.len(), 1);
        // Unknown keys are still refused, at the top and inside a cluster.
        for (text, culprit) in [
            ("sourc = \"a\"\n", "sourc"),
            (
                "[clusters.a]\naddress = \"x:1\"\nnamespce = \"n\"\n",
                "namespce",
            ),
        ] {
            let e = BridgeConfig::from_toml(text, "bridge.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(culprit) && e.contains("bridge.toml"), "{e}");
        }
        let e = BridgeConfig::from_toml("[clusters.a]\naddress = \"x:1\"\n", "f.toml")
            .unwrap()
            .source_cluster()
            .unwrap_err()
            .to_string();
        assert!(e.contains("f.toml") && e.contains("source"), "{e}");
    }

    #[test]
    fn env_typo_is_an_error_naming_the_variable() {
        let mut c = PoolConfig::default();
        let e = c
            .apply_env(vars(&[("TEMPORAL_BRIDGE_CLUSTER_A_ADRESS", "x:1")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("TEMPORAL_BRIDGE_CLUSTER_A_ADRESS"), "{e}");
    }
}
