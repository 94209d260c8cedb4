//! Debian's Prometheus scraping bridges in a test: its own configuration and storage, a free
//! loopback port, queried over its HTTP API; stopped on drop.

use crate::http::try_get_http10 as get;
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A Prometheus server that scrapes some `/metrics` endpoints every second.
pub struct Prometheus {
    child: Child,
    /// `127.0.0.1:port` of its HTTP API.
    pub address: String,
    /// Its configuration, storage and log.
    pub dir: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus (installing Debian's package when it is missing) scraping each of
    /// `targets` (`host:port`, serving `/metrics`) every second, and waits until it is ready.
    pub async fn start(targets: &[&str]) -> Self {
        let binary =
            crate::debian::ensure_package("prometheus", "/usr/bin/prometheus", "PROMETHEUS_PATH")
                .unwrap_or_else(|e| panic!("{e}"));
        let address = crate::http::free_address();
        let dir = std::env::temp_dir().join(format!(
            "bridge-prometheus-{}-{}",
            std::process::id(),
            address.rsplit(':').next().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("prometheus dir");
        let targets: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: bridge\n    static_configs:\n      - targets: [{}]\n",
            targets.join(", ")
        );
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).expect("prometheus.yml");
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("prometheus log");
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
        let prometheus = Prometheus {
            child,
            address,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = get(&prometheus.address, "/-/ready").await {
                return prometheus;
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus is not ready after 60 s; see {}",
                prometheus.dir.join("prometheus.log").display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// An instant query's result vector (`data.result`).
    pub async fn query(&self, expr: &str) -> Vec<serde_json::Value> {
        let path = format!("/api/v1/query?query={}", percent_encode(expr));
        let (status, body) = get(&self.address, &path)
            .await
            .unwrap_or_else(|e| panic!("query {expr}: {e}"));
        let answer: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("query {expr}: not JSON ({e}): {body}"));
        assert_eq!(status, 200, "query {expr}: {body}");
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("query {expr}: no result vector: {body}"))
    }

    /// Waits until every scrape target is up.
    pub async fn wait_up(&self, targets: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = self.query("up == 1").await;
            if up.len() == targets {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {targets} targets up after 60 s: {up:?}",
                up.len()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `text` as a URL query value: unreserved characters as they are, every other byte as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
