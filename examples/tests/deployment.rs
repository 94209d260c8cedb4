//! The deployment files (`examples/deploy/kubernetes.yaml`, `examples/Dockerfile`) cannot run
//! here; this test holds them to the real binary: its flags, its configuration format, and the
//! ports and paths it serves.

use bridge_runtime::config::BridgeConfig;
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

const BRIDGE: &str = env!("CARGO_BIN_EXE_bridge");

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifests() -> Vec<Yaml> {
    YamlLoader::load_from_str(&read("deploy/kubernetes.yaml")).expect("valid YAML")
}

fn of_kind<'a>(docs: &'a [Yaml], kind: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} in kubernetes.yaml"))
}

fn strings(list: &Yaml) -> Vec<String> {
    list.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The bridge.toml the ConfigMap mounts, parsed by the bridge's own parser.
fn mounted_config(docs: &[Yaml]) -> (String, BridgeConfig) {
    let text = of_kind(docs, "ConfigMap")["data"]["bridge.toml"]
        .as_str()
        .expect("ConfigMap data bridge.toml")
        .to_owned();
    let config = BridgeConfig::from_toml(&text, "the ConfigMap's bridge.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    (text, config)
}

#[test]
fn the_deployment_matches_the_binary_and_its_configuration() {
    let docs = manifests();
    let (_, config) = mounted_config(&docs);
    let deployment = of_kind(&docs, "Deployment");
    let spec = &deployment["spec"]["template"]["spec"];
    let container = &spec["containers"][0];

    assert!(
        deployment["spec"]["replicas"].as_i64().unwrap_or(0) >= 2,
        "at least two replicas"
    );
    let grace = config
        .grace_period_secs
        .expect("grace_period_secs in bridge.toml");
    let termination = spec["terminationGracePeriodSeconds"]
        .as_i64()
        .expect("termination grace");
    assert!(
        termination as u64 > grace,
        "Kubernetes waits {termination} s, longer than the drain of {grace} s"
    );

    // Ports: the ones the configuration serves on, by name.
    let port = |name: &str| {
        container["ports"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or_else(|| panic!("no port named {name}")) as u16
    };
    let health = config.health_address.expect("health_address").port();
    let metrics = config.metrics_address.expect("metrics_address").port();
    assert_eq!(port("health"), health);
    assert_eq!(port("metrics"), metrics);
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        assert_eq!(
            container[probe]["httpGet"]["path"].as_str(),
            Some(path),
            "{probe}"
        );
        assert_eq!(
            container[probe]["httpGet"]["port"].as_str(),
            Some("health"),
            "{probe}"
        );
    }
    let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(
        annotations["prometheus.io/port"].as_str(),
        Some(&*metrics.to_string())
    );
    assert!(container["resources"]["requests"]["cpu"].as_str().is_some());
    assert!(
        container["resources"]["requests"]["memory"]
            .as_str()
            .is_some()
    );

    // The config file is where the arguments say, from the ConfigMap.
    let args = strings(&container["args"]);
    assert_eq!(args[0], "--config");
    let mount = container["volumeMounts"][0]["mountPath"].as_str().unwrap();
    assert_eq!(args[1], format!("{mount}/bridge.toml"));
    assert_eq!(
        spec["volumes"][0]["configMap"]["name"].as_str(),
        of_kind(&docs, "ConfigMap")["metadata"]["name"].as_str()
    );

    // Every TLS file the configuration names is a key of the Secret, mounted where it says.
    let secret = of_kind(&docs, "Secret");
    let mounts = container["volumeMounts"].as_vec().unwrap();
    let volumes = spec["volumes"].as_vec().unwrap();
    for cluster in config.clusters.values() {
        let Some(tls) = &cluster.tls else { continue };
        for path in [
            &tls.server_ca_cert_path,
            &tls.client_cert_path,
            &tls.client_key_path,
        ]
        .into_iter()
        .flatten()
        {
            let (dir, file) = (
                path.parent().unwrap(),
                path.file_name().unwrap().to_str().unwrap(),
            );
            let mount = mounts
                .iter()
                .find(|m| m["mountPath"].as_str() == dir.to_str())
                .unwrap_or_else(|| panic!("nothing mounted at {}", dir.display()));
            let volume = volumes
                .iter()
                .find(|v| v["name"] == mount["name"])
                .expect("the mount's volume");
            assert_eq!(
                volume["secret"]["secretName"].as_str(),
                secret["metadata"]["name"].as_str(),
                "{} comes from the Secret",
                path.display()
            );
            assert!(
                volume["secret"]["items"]
                    .as_vec()
                    .unwrap()
                    .iter()
                    .any(|i| i["path"].as_str() == Some(file)
                        && !secret["stringData"][i["key"].as_str().unwrap()].is_badvalue()),
                "the Secret provides {file}"
            );
        }
    }

    // Every environment variable is one the bridge reads, and secrets come from the Secret.
    let mut vars = Vec::new();
    for var in container["env"].as_vec().unwrap() {
        let name = var["name"].as_str().unwrap().to_owned();
        let from = &var["valueFrom"]["secretKeyRef"];
        if !from.is_badvalue() {
            assert_eq!(from["name"].as_str(), secret["metadata"]["name"].as_str());
            let key = from["key"].as_str().unwrap();
            assert!(
                !secret["stringData"][key].is_badvalue(),
                "the Secret has `{key}`"
            );
        }
        vars.push((name, "x".to_owned()));
    }
    let mut with_env = config.clone();
    with_env
        .apply_env(vars.clone())
        .unwrap_or_else(|e| panic!("the bridge refuses the Deployment's env {vars:?}: {e}"));
}

#[test]
fn the_binary_accepts_the_deployment_arguments_and_configuration() {
    let docs = manifests();
    let (text, _) = mounted_config(&docs);
    let dir = std::env::temp_dir().join(format!("bridge-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bridge.toml");
    std::fs::write(&path, text).unwrap();
    // check-config with the Deployment's arguments: the clusters' addresses do not resolve here,
    // so it reports them as failing, which shows that the flags and the file were accepted.
    let out = std::process::Command::new(BRIDGE)
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env("TEMPORAL_BRIDGE_CLUSTER_B_API_KEY", "x")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("cluster `a` (source) at temporal-frontend.orders.svc:7233")
            && stdout.contains("cluster `b` (destination)"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_dockerfile_runs_the_bridge_with_the_deployment_arguments_and_ports() {
    let dockerfile = read("Dockerfile");
    let docs = manifests();
    let (_, config) = mounted_config(&docs);
    let line = |instruction: &str| {
        dockerfile
            .lines()
            .find(|l| l.starts_with(instruction))
            .unwrap_or_else(|| panic!("no {instruction} in the Dockerfile"))[instruction.len()..]
            .trim()
            .to_owned()
    };
    assert!(line("RUN cargo build").contains("--bin bridge"));
    assert_eq!(line("ENTRYPOINT"), r#"["/usr/local/bin/bridge"]"#);
    let container = &of_kind(&docs, "Deployment")["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<String> = strings(&container["args"]);
    assert_eq!(
        line("CMD"),
        format!(
            "[{}]",
            args.iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    let exposed: Vec<u16> = line("EXPOSE")
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(exposed.contains(&config.health_address.unwrap().port()));
    assert!(exposed.contains(&config.metrics_address.unwrap().port()));
}
