//! Debian packages the commands need, installed with `apt-get` when missing. One install at a
//! time in this process: the test command's background downloads and its foreground steps may both
//! need packages, and two `apt-get`s at once fail on dpkg's lock.

use std::process::Command;
use std::sync::Mutex;

use crate::{run, Result};

/// Held while `apt-get` runs.
static APT: Mutex<()> = Mutex::new(());

/// Installs the packages of `names` that are not installed yet (`apt-get update` first).
pub fn install_missing(names: &[&str]) -> Result {
    let _one_at_a_time = APT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !installed(name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {} with apt-get", missing.join(" "));
    // Waits for a dpkg lock held by another program instead of failing at once.
    let lock_timeout = "DPkg::Lock::Timeout=600";
    run("apt-get", &["-o", lock_timeout, "update", "-qq"], &[])?;
    let mut args = vec![
        "-o",
        lock_timeout,
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
    ];
    args.extend(&missing);
    run("apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}

/// Whether Debian package `name` is installed.
fn installed(name: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", name])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}
