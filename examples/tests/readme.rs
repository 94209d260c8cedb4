//! The README runs as written.
//!
//! - Its runnable configuration block is `examples/bridge.toml`, and every configuration block
//!   it shows parses and builds a pool.
//! - Its three example crates (`orders`, `fulfillment`, `bridge`) are built from its own text:
//!   the sources from the Example section, the `[dependencies]` from "Use it in your crate".
//!   Then its bridge binary runs with its configuration text against two local clusters and
//!   carries an order from the README's `OrderWorkflow` to its `FulfillmentWorkflow`, which a
//!   small services binary that this test writes (the README does not show one) runs from the
//!   same file.
//! - The example binaries (`order-service`, `fulfillment-service`, `bridge`) run together from
//!   `examples/bridge.toml`.
//! - Errors from the binaries are sentences, not debug structs.
//! - The "Several clusters" section shows `examples/two-region.toml` (which
//!   `tests/tests/clusters.rs` runs) and the chain's relay workflow of `tests/src/regions.rs`
//!   (which it runs too), word for word.

use bridge_runtime::{
    ClusterPool,
    config::BridgeConfig,
    testing::{ChildGuard, LocalClusters},
};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};
use temporal_bridge_examples::{ORDERS_QUEUE, Order, OrderWorkflow};
use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
use temporalio_common::{
    UntypedWorkflow, data_converters::RawValue, protos::temporal::api::common::v1::Payload,
};

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

/// The README's bridge configuration blocks of one source: its TOML blocks that are not Cargo
/// manifests, nor the two-region file (whose source comes from the environment).
fn config_blocks(text: &str) -> Vec<String> {
    blocks(text, "toml")
        .into_iter()
        .filter(|b| !b.contains("[dependencies]") && !b.starts_with(TWO_REGION))
        .collect()
}

/// The first line of the two-region configuration.
const TWO_REGION: &str = "# two-region.toml";

#[test]
fn the_several_clusters_section_shows_the_files_its_tests_run() {
    let text = readme();
    let file = std::fs::read_to_string(repo().join("examples/two-region.toml")).unwrap();
    let shown = block(&text, "toml", TWO_REGION);
    assert_eq!(
        shown, file,
        "the README's two-region.toml is the example file"
    );
    let parsed = BridgeConfig::from_toml(&shown, "two-region.toml").unwrap();
    assert!(
        parsed.source.is_none(),
        "each deployment's environment names its source"
    );
    let pool = ClusterPool::from_bridge_config(&parsed).unwrap();
    assert_eq!(pool.names().collect::<Vec<_>>(), ["a", "b"]);

    let relay = block(&text, "rust", "/// On B: the chain's middle");
    let regions = std::fs::read_to_string(repo().join("tests/src/regions.rs")).unwrap();
    assert!(
        regions.contains(relay.trim_end()),
        "the README's relay workflow is the one tests/src/regions.rs runs:\n{relay}"
    );
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
        let names: Vec<_> = pool.names().collect();
        // The reference adds a namespace of b's server over b's connection.
        assert!(
            names == ["a", "b"] || names == ["a", "b", "b-billing"],
            "{names:?}"
        );
        if names.len() == 3 {
            assert_eq!(pool.address("b-billing"), pool.address("b"));
        }
    }
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// The services binary of the README crates, written by this test: the README shows the
/// workflows but not the `main` that runs them.
const README_SERVICES: &str = r#"//! Written by examples/tests/readme.rs: runs the README's two workflows on their clusters.
use temporalio_sdk::WorkerOptions;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = bridge_runtime::cli::ServiceArgs::parse_for("readme-services");
    let run = async {
        let pool = args.pool()?;
        let orders = WorkerOptions::new("orders")
            .register_workflow::<orders::OrderWorkflow>()?
            .build();
        let fulfillment = fulfillment::worker_options()?;
        tokio::try_join!(
            bridge_runtime::run_sdk_worker_until_signal(&pool, "a", orders),
            bridge_runtime::run_sdk_worker_until_signal(&pool, "b", fulfillment),
        )?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    bridge_runtime::cli::finish("readme-services", run.await)
}
"#;

/// Writes the three README crates into `dir`, each with the README's sources and exactly its
/// `[dependencies]`, plus the test's services binary, in a workspace of their own. The
/// workspace adds this repository's lock file and dev profile, and a `[patch]` that takes
/// `bridge-runtime` from this repository (it is not on a registry yet).
fn write_readme_crates(dir: &Path, text: &str) {
    let root_manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let profiles = &root_manifest[root_manifest
        .find("[profile.dev]")
        .expect("the workspace's dev profile")..];
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\n\
             members = [\"orders\", \"fulfillment\", \"bridge\", \"readme-services\"]\n\n\
             [patch.crates-io]\nbridge-runtime = {{ path = \"{}\" }}\n\n{profiles}",
            repo().join("bridge-runtime").display()
        ),
    )
    .unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let package = |name: &str, dependencies: &str, source: &str, code: &str| {
        let crate_dir = dir.join(name);
        std::fs::create_dir_all(crate_dir.join("src")).unwrap();
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                 publish = false\n\n{dependencies}"
            ),
        )
        .unwrap();
        std::fs::write(crate_dir.join(source), code).unwrap();
    };
    for (name, source) in [
        ("orders", "src/lib.rs"),
        ("fulfillment", "src/lib.rs"),
        ("bridge", "src/main.rs"),
    ] {
        package(
            name,
            &block(text, "toml", &format!("# {name}/Cargo.toml")),
            source,
            &block(text, "rust", &format!("// {name}/{source}")),
        );
    }
    package(
        "readme-services",
        "[dependencies]\norders = { path = \"../orders\" }\n\
         fulfillment = { path = \"../fulfillment\" }\nbridge-runtime = \"0.1\"\n\
         temporalio-sdk = \"1.1\"\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
        "src/main.rs",
        README_SERVICES,
    );
}

/// Runs `exe --config config` with the environment pointing the file at `clusters` and at free
/// ports for the health and metrics endpoints, as the README says an operator may.
fn run_from_file(exe: &Path, config: &Path, clusters: &LocalClusters) -> ChildGuard {
    ChildGuard::spawn(
        Command::new(exe)
            .arg("--config")
            .arg(config)
            .envs(clusters.env_vars())
            .env("TEMPORAL_BRIDGE_HEALTH_ADDRESS", free_address())
            .env("TEMPORAL_BRIDGE_METRICS_ADDRESS", free_address())
            .env("RUST_LOG", "warn"),
    )
    .expect("spawn")
}

/// SIGTERM to each process; each must exit cleanly.
async fn stop_all(processes: Vec<(&'static str, ChildGuard)>) {
    for (name, mut process) in processes {
        let status =
            tokio::task::spawn_blocking(move || process.terminate(Duration::from_secs(60)))
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            status.success(),
            "{name} stopped cleanly on SIGTERM: {status}"
        );
    }
}

/// A `json/plain` payload of `value`.
fn json(value: serde_json::Value) -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
        data: serde_json::to_vec(&value).unwrap(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_crates_build_and_carry_an_order_with_its_configuration() {
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
    let bin = dir.join("target/debug");
    let bridge = run_from_file(&bin.join("bridge"), &config, &clusters);
    let services = run_from_file(&bin.join("readme-services"), &config, &clusters);

    // The README's OrderWorkflow, started by name as any client would.
    let a = clusters.pool().client("a").await.unwrap();
    let order = serde_json::json!({"id": "readme-1", "items": ["lamp"], "amount_cents": 4200});
    let handle = a
        .start_workflow(
            UntypedWorkflow::new("OrderWorkflow"),
            RawValue::new(vec![json(order)]),
            WorkflowStartOptions::new("orders", "readme-1").build(),
        )
        .await
        .unwrap();
    let result = tokio::time::timeout(
        Duration::from_secs(180),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("the order finished in time")
    .expect("the order succeeded");
    let shipment: serde_json::Value = serde_json::from_slice(&result.payloads[0].data).unwrap();
    assert_eq!(
        shipment,
        serde_json::json!({
            "order_id": "readme-1",
            "tracking_number": "TRK-README-1",
            "packed_items": ["lamp"]
        })
    );
    stop_all(vec![
        ("README bridge", bridge),
        ("readme-services", services),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_binaries_run_from_examples_bridge_toml() {
    let clusters = LocalClusters::start(&["a", "b"]).await.unwrap();
    let config = repo().join("examples/bridge.toml");
    let bridge = run_from_file(Path::new(EXAMPLE_BRIDGE), &config, &clusters);
    let orders = run_from_file(Path::new(ORDER_SERVICE), &config, &clusters);
    let fulfillment = run_from_file(Path::new(FULFILLMENT_SERVICE), &config, &clusters);

    let a = clusters.pool().client("a").await.unwrap();
    let order = Order {
        id: "example-1".into(),
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
    assert_eq!(confirmation.shipment.tracking_number, "TRK-EXAMPLE-1");
    assert_eq!(confirmation.shipment.packed_items, ["boxed lamp"]);
    stop_all(vec![
        ("bridge", bridge),
        ("order-service", orders),
        ("fulfillment-service", fulfillment),
    ])
    .await;
}

/// Runs `exe --config config` with no `TEMPORAL_BRIDGE_*` variables, for at most a minute;
/// returns its exit code and standard error.
fn run_failing(exe: &str, config: &Path) -> (Option<i32>, String) {
    let stderr = std::env::temp_dir().join(format!("readme-run-failing-{}", std::process::id()));
    let mut command = Command::new(exe);
    command
        .arg("--config")
        .arg(config)
        .stderr(std::fs::File::create(&stderr).unwrap());
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("TEMPORAL_BRIDGE_")) {
        command.env_remove(key);
    }
    let status = ChildGuard::spawn(&mut command)
        .unwrap()
        .wait_timeout(Duration::from_secs(60))
        .unwrap();
    let text = std::fs::read_to_string(&stderr).unwrap_or_default();
    let _ = std::fs::remove_file(&stderr);
    (status.and_then(|s| s.code()), text)
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
            &missing,
            format!(
                "order-service: cannot read bridge config `{}`: No such file or directory",
                missing.display()
            ),
        ),
        (
            FULFILLMENT_SERVICE,
            &scheme,
            format!(
                "fulfillment-service: cluster `b` in {}: `address` is `host:port`, without a \
                 scheme; got `http://b:7233`",
                scheme.display()
            ),
        ),
        (
            EXAMPLE_BRIDGE,
            &scheme,
            format!("bridge: cluster `b` in {}", scheme.display()),
        ),
    ];
    for (exe, config, expected) in cases {
        let (code, stderr) = run_failing(exe, config);
        assert_eq!(code, Some(1), "{exe}: {stderr}");
        assert!(stderr.starts_with(&expected), "{exe}: {stderr}");
        assert!(
            !stderr.contains(" {") && !stderr.contains("Os {"),
            "{exe} prints a sentence, not a struct: {stderr}"
        );
    }
}
