//! Debian packages that tests run as real counterparts (nginx, Prometheus), installed by the
//! test that needs one when it is missing, so that a fresh machine needs no manual step.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::Command,
};

/// The path of `binary` from Debian's `package`, installing the package when the binary is
/// missing (as root, without starting its system service). `override_var` names an environment
/// variable that points at another binary instead.
pub fn ensure_package(package: &str, binary: &str, override_var: &str) -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var(override_var) {
        return Ok(PathBuf::from(path));
    }
    if Path::new(binary).is_file() {
        return Ok(binary.into());
    }
    // Parallel test binaries install it once.
    let lock_path = std::env::temp_dir().join(format!("temporal-bridge-{package}-install.lock"));
    let lock = File::create(&lock_path).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if Path::new(binary).is_file() {
        return Ok(binary.into());
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", package])
            // RUNLEVEL=1: the package's scripts do not start its system service.
            .env("RUNLEVEL", "1")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map_err(|e| format!("apt-get: {e}"))
    };
    eprintln!("temporal-bridge tests: installing Debian's {package}");
    let mut out = install()?;
    if !out.status.success() {
        // A fresh machine may have no package lists yet.
        let _ = Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output();
        out = install()?;
    }
    if out.status.success() && Path::new(binary).is_file() {
        Ok(binary.into())
    } else {
        Err(format!(
            "could not install {package} (apt-get install {package} as root, or set \
             {override_var}): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
