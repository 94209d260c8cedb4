//! The README runs as written.
//!
//! - Its runnable configuration block is `examples/bridge.toml`, and every configuration block
//!   it shows parses and builds a pool.
//! - Its three example crates (`orders`, `fulfillment`, `bridge`) are built from its own text:
//!   the sources from the Example section, the `[dependencies]` from "Use it in your crate",
//!   nothing else. Then its bridge binary runs with its configuration text against two local
//!   clusters, carrying a real order from the example order service to the example fulfillment
//!   service, which take the same file.
//! - Errors from the binaries are sentences, not debug structs.

use bridge_runtime::{ClusterPool, config::BridgeConfig, testing::LocalClusters};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use temporal_bridge_examples::{ORDERS_QUEUE, Order, OrderWorkflow};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};

const ORDER_SERVICE: &str = env!("CARGO_BIN_EXE_order-service");
const FULFILLMENT_SERVICE: &str = env!("CARGO_BIN_EXE_fulfillment-service");
const EXAMPLE_BRIDGE: &str = env!("CARGO_BIN_EXE_bridge");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("read README.md")
}

/// The README's fenced blocks of `lang`, in order, each without its fences.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line.trim_end() == "```" => out.push(current.take().unwrap()),
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The one README block of `lang` whose first line starts with `first`.
fn block(text: &str, lang: &str, first: &str) -> String {
    let found: Vec<_> = blocks(text, lang)
        .into_iter()
        .filter(|b| b.starts_with(first))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "README.md has one ```{lang} block starting with `{first}`"
    );
    found.into_iter().next().unwrap()
}

/// The README's bridge configuration blocks: its TOML blocks that are not Cargo manifests.
fn config_blocks(text: &str) -> Vec<String> {
    blocks(text, "toml")
        .into_iter()
        .filter(|b| !b.contains("[dependencies]"))
        .collect()
}

#[test]
fn the_readme_configuration_is_the_example_file_and_every_block_builds_a_pool() {
    let text = readme();
    let example = std::fs::read_to_string(repo().join("examples/bridge.toml")).unwrap();
    assert_eq!(
        block(&text, "toml", "# bridge.toml"),
        example,
        "the README's runnable bridge.toml is examples/bridge.toml, word for word"
    );
    let configs = config_blocks(&text);
    assert!(configs.len() >= 2, "the runnable file and the reference");
    for config in configs {
        let parsed = BridgeConfig::from_toml(&config, "README.md")
            .unwrap_or_else(|e| panic!("{e}\nin:\n{config}"));
        assert_eq!(parsed.source_cluster().unwrap(), "a");
        let pool = ClusterPool::from_bridge_config(&parsed).unwrap();
        assert_eq!(pool.names().collect::<Vec<_>>(), ["a", "b"]);
    }
}

/// A process killed on drop, so that no test leaves one behind.
struct Process(Child);

impl Process {
    fn spawn(command: &mut Command) -> Process {
        Process(
            command
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn a process"),
        )
    }

    /// SIGTERM, then the exit status (waiting at most a minute).
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "process {pid} did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Writes the three README crates into `dir` (a workspace of their own, with this
/// repository's lock file and profile), with `bridge-runtime` taken from this repository.
fn write_readme_crates(dir: &Path, text: &str) {
    let root_manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let profiles = &root_manifest[root_manifest
        .find("[profile.dev]")
        .expect("the workspace's dev profile")..];
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"orders\", \"fulfillment\", \"bridge\"]\n\n\
             # bridge-runtime is not on a registry yet: this repository's copy stands in.\n\
             [patch.crates-io]\nbridge-runtime = {{ path = \"{}\" }}\n\n{profiles}",
            repo().join("bridge-runtime").display()
        ),
    )
    .unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    for (name, source) in [
        ("orders", "src/lib.rs"),
        ("fulfillment", "src/lib.rs"),
        ("bridge", "src/main.rs"),
    ] {
        let crate_dir = dir.join(name);
        std::fs::create_dir_all(crate_dir.join("src")).unwrap();
        let dependencies = block(text, "toml", &format!("# {name}/Cargo.toml"));
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                 publish = false\n\n{dependencies}"
            ),
        )
        .unwrap();
        let code = block(text, "rust", &format!("// {name}/{source}"));
        std::fs::write(crate_dir.join(source), code).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_crates_build_and_its_bridge_runs_with_its_configuration() {
    let text = readme();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme-crates");
    write_readme_crates(&dir, &text);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build = Command::new(cargo)
        .args(["build", "--workspace", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .expect("run cargo build");
    assert!(
        build.success(),
        "the README's crates build from its text ({})",
        dir.display()
    );

    let clusters = LocalClusters::start(&["a", "b"]).await.unwrap();
    let config = dir.join("bridge.toml");
    std::fs::write(&config, block(&text, "toml", "# bridge.toml")).unwrap();
    let (health, metrics) = (free_address(), free_address());
    // The file as written; the environment points it at this test's clusters and free ports,
    // as the README says an operator may.
    let run = |exe: &str| {
        let mut command = Command::new(exe);
        command
            .arg("--config")
            .arg(&config)
            .envs(clusters.env_vars())
            .env("TEMPORAL_BRIDGE_HEALTH_ADDRESS", &health)
            .env("TEMPORAL_BRIDGE_METRICS_ADDRESS", &metrics)
            .env("RUST_LOG", "warn");
        Process::spawn(&mut command)
    };
    let bridge = run(dir.join("target/debug/bridge").to_str().unwrap());
    let orders = run(ORDER_SERVICE);
    let fulfillment = run(FULFILLMENT_SERVICE);

    let a = clusters.pool().client("a").await.unwrap();
    let order = Order {
        id: "readme-1".into(),
        items: vec!["lamp".into()],
        amount_cents: 4_200,
    };
    let handle = a
        .start_workflow(
            OrderWorkflow::run,
            order.clone(),
            WorkflowStartOptions::new(ORDERS_QUEUE, &order.id).build(),
        )
        .await
        .unwrap();
    let confirmation = tokio::time::timeout(
        Duration::from_secs(180),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the order finished in time")
    .expect("the order succeeded");
    assert_eq!(confirmation.shipment.tracking_number, "TRK-README-1");
    assert_eq!(confirmation.shipment.packed_items, ["boxed lamp"]);

    for (name, process) in [
        ("README bridge", bridge),
        ("order-service", orders),
        ("fulfillment-service", fulfillment),
    ] {
        let status = tokio::task::spawn_blocking(move || process.terminate())
            .await
            .unwrap();
        assert!(
            status.success(),
            "{name} stopped cleanly on SIGTERM: {status}"
        );
    }
}

/// Runs `exe` with `args` and no `TEMPORAL_BRIDGE_*` variables; returns its exit code and
/// standard error.
fn run_failing(exe: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(exe)
        .args(args)
        .env_remove("TEMPORAL_BRIDGE_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn the_binaries_report_errors_as_sentences_naming_the_culprit() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme-errors");
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("brige.toml");
    let scheme = dir.join("scheme.toml");
    std::fs::write(
        &scheme,
        "source = \"a\"\n[clusters.a]\naddress = \"127.0.0.1:7233\"\n\
         [clusters.b]\naddress = \"http://b:7233\"\n",
    )
    .unwrap();
    let cases = [
        (
            ORDER_SERVICE,
            missing.to_str().unwrap(),
            format!(
                "order-service: cannot read bridge config `{}`: No such file or directory",
                missing.display()
            ),
        ),
        (
            FULFILLMENT_SERVICE,
            scheme.to_str().unwrap(),
            format!(
                "fulfillment-service: cluster `b` in {}: `address` is `host:port`, without a \
                 scheme; got `http://b:7233`",
                scheme.display()
            ),
        ),
        (
            EXAMPLE_BRIDGE,
            scheme.to_str().unwrap(),
            format!("bridge: cluster `b` in {}", scheme.display()),
        ),
    ];
    for (exe, config, expected) in cases {
        let (code, stderr) = run_failing(exe, &["--config", config]);
        assert_eq!(code, Some(1), "{exe}: {stderr}");
        assert!(stderr.starts_with(&expected), "{exe}: {stderr}");
        assert!(
            !stderr.contains(" {") && !stderr.contains("Os {"),
            "{exe} prints a sentence, not a struct: {stderr}"
        );
    }
}
