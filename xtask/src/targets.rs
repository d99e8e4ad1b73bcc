//! `cargo xtask check-targets`: type-checks packages for targets this machine cannot build for
//! (rustup cannot add them here), with Debian's `rustc-web` and `-Zbuild-std`
//! (docs: ../shared/notes/toolchains.md, "Type-checking for Android and iOS targets").
//!
//! What it proves: the Rust code (cfgs, target-specific dependencies, FFI exports) compiles for the
//! target. Nothing is linked and nothing runs. C code of dependencies (ring) is compiled with clang
//! against tiny stand-ins for the few libc headers it includes, only so its build script finishes.
//!
//! To check another target or package, add a row to [`CHECKS`].

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run, Result};

/// One target to type-check.
pub struct TargetCheck {
    /// The Rust target triple.
    pub triple: &'static str,
    /// The packages checked for it (`cargo check -p ...`).
    pub packages: &'static [&'static str],
    /// clang's `--target` for C code of dependencies (an Android triple carries its API level,
    /// an Apple one its OS version).
    pub clang_target: &'static str,
    /// Debian packages this target needs besides the compilers.
    pub debian_packages: &'static [&'static str],
    /// Apple targets: cc-rs asks `xcrun` for an SDK unless `SDKROOT` names one.
    pub apple: bool,
}

/// The targets `cargo xtask check-targets` type-checks, and what for.
pub const CHECKS: &[TargetCheck] = &[
    // Core is portable (positional file I/O per platform).
    TargetCheck {
        triple: "x86_64-pc-windows-gnu",
        packages: &["ossdirect"],
        clang_target: "x86_64-w64-mingw32",
        // std's build wants x86_64-w64-mingw32-dlltool.
        debian_packages: &["binutils-mingw-w64-x86-64"],
        apple: false,
    },
    // The five phone targets the bindings ship for (32-bit Android: usize is 32 bits there, so
    // sizes and offsets must stay u64). All are checked by the test command, in one cargo run.
    TargetCheck {
        triple: "armv7-linux-androideabi",
        packages: &["ossdirect-ffi"],
        clang_target: "armv7a-linux-androideabi24",
        debian_packages: &[],
        apple: false,
    },
    TargetCheck {
        triple: "aarch64-apple-ios",
        packages: &["ossdirect-ffi"],
        clang_target: "arm64-apple-ios13.0",
        debian_packages: &[],
        apple: true,
    },
    TargetCheck {
        triple: "aarch64-linux-android",
        packages: &["ossdirect-ffi"],
        clang_target: "aarch64-linux-android24",
        debian_packages: &[],
        apple: false,
    },
    TargetCheck {
        triple: "x86_64-linux-android",
        packages: &["ossdirect-ffi"],
        clang_target: "x86_64-linux-android24",
        debian_packages: &[],
        apple: false,
    },
    TargetCheck {
        triple: "aarch64-apple-ios-sim",
        packages: &["ossdirect-ffi"],
        clang_target: "arm64-apple-ios13.0-simulator",
        debian_packages: &[],
        apple: true,
    },
];

/// Debian's compilers: a stable rustc that builds std from source, its sources, and clang.
const TOOLCHAIN_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "clang", "llvm"];

/// Debian's rustc and cargo (rustup's come first on PATH, so they are called by full path).
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
/// Where `rust-web-src` puts the sources of std.
const STD_SOURCES: &str = "/usr/lib/rustlib/src/rust/library";

/// Stand-ins for the libc headers ring's C code includes, enough to compile it freestanding.
const STUB_HEADERS: &[(&str, &str)] = &[
    ("assert.h", "#pragma once\n#define assert(x) ((void)0)\n"),
    (
        "string.h",
        "#pragma once\n#include <stddef.h>\nvoid *memcpy(void *, const void *, size_t);\n\
         void *memmove(void *, const void *, size_t);\nvoid *memset(void *, int, size_t);\n\
         int memcmp(const void *, const void *, size_t);\nsize_t strlen(const char *);\n",
    ),
    (
        "stdlib.h",
        "#pragma once\n#include <stddef.h>\nvoid abort(void);\nvoid *malloc(size_t);\n\
         void free(void *);\n",
    ),
    ("TargetConditionals.h", "#pragma once\n"),
];

/// Type-checks the rows of [`CHECKS`] named in `args` (triples), or every row (`--all` is
/// accepted for the same); installs what is missing first.
pub fn check_targets(args: &[String]) -> Result {
    check(args, None)
}

/// The test command's check of every row, started on its own thread: cargo runs at the lowest CPU
/// priority (`nice -n 19`), on what the test command's other steps leave idle (tests waiting on
/// the network and timers, single-threaded tails of builds), its output in `log`.
pub fn start_in_background(log: PathBuf) -> std::thread::JoinHandle<Result> {
    std::thread::spawn(move || check(&[], Some(&log)))
}

/// Stops the background check (its running cargo) unless it has ended: the test command failed
/// in another step and leaves nothing running.
pub fn stop_background() {
    background::stop();
}

/// [`check_targets`]; with `log`, in the background: niced, output to that file.
fn check(args: &[String], log: Option<&Path>) -> Result {
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--all")
        .collect();
    let checks: Vec<&TargetCheck> = CHECKS
        .iter()
        .filter(|c| only.is_empty() || only.contains(&c.triple))
        .collect();
    if checks.is_empty() {
        let known: Vec<&str> = CHECKS.iter().map(|c| c.triple).collect();
        return Err(format!("no such target; known: {}", known.join(", ")));
    }
    let mut packages: Vec<&str> = TOOLCHAIN_PACKAGES.to_vec();
    packages.extend(
        checks
            .iter()
            .flat_map(|c| c.debian_packages.iter().copied()),
    );
    crate::apt::install_missing(&packages)?;
    let stubs = check_dir().join("include");
    write_stubs(&stubs)?;
    // Rows checking the same packages go in one cargo run: the host's build scripts and proc
    // macros are built once and both cores stay busy across the targets.
    let mut groups: Vec<Vec<&TargetCheck>> = Vec::new();
    for check in checks {
        match groups.iter_mut().find(|g| g[0].packages == check.packages) {
            Some(group) => group.push(check),
            None => groups.push(vec![check]),
        }
    }
    for group in groups {
        check_group(&group, &stubs, log)?;
    }
    Ok(())
}

/// Where the checks build: `/var/cache/ossdirect/check-targets` when it can be written (so a
/// fresh clone of the repository on the same machine does not check std and every dependency
/// again for each target: minutes each), else `target/check-targets`. `OSSDIRECT_CHECK_DIR`
/// overrides both.
fn check_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OSSDIRECT_CHECK_DIR") {
        return PathBuf::from(dir);
    }
    let cache = Path::new("/var/cache/ossdirect/check-targets");
    if std::fs::create_dir_all(cache).is_ok() && writable(cache) {
        return cache.to_path_buf();
    }
    root().join("target/check-targets")
}

/// Whether a file can be created in `dir`.
fn writable(dir: &Path) -> bool {
    let probe = dir.join(".write-probe");
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

fn write_stubs(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in STUB_HEADERS {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// clang's own headers (`stddef.h`, `stdint.h`, ...), which work freestanding.
fn clang_resource_include() -> Result<PathBuf> {
    let out = Command::new("clang")
        .arg("-print-resource-dir")
        .output()
        .map_err(|e| format!("cannot run clang: {e}"))?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok(Path::new(&dir).join("include"))
}

/// Type-checks `group` (rows with the same packages) in one cargo run (niced, output to `log`,
/// when given).
fn check_group(group: &[&TargetCheck], stubs: &Path, log: Option<&Path>) -> Result {
    if !Path::new(STD_SOURCES).exists() {
        return Err(format!("{STD_SOURCES} is missing (package rust-web-src)"));
    }
    let resource_include = clang_resource_include()?;
    let target_dir = check_dir().to_string_lossy().into_owned();
    let mut envs: Vec<(String, String)> = vec![
        ("RUSTC".into(), DEBIAN_RUSTC.into()),
        ("RUSTDOC".into(), DEBIAN_RUSTDOC.into()),
        ("RUSTC_BOOTSTRAP".into(), "1".into()),
        ("CARGO_TARGET_DIR".into(), target_dir),
    ];
    let mut args = vec!["check", "--locked", "-Zbuild-std=std,panic_abort"];
    for check in group {
        let env_triple = check.triple.replace('-', "_");
        let cflags = format!(
            "--target={} -ffreestanding -nostdinc -isystem {} -isystem {}",
            check.clang_target,
            resource_include.display(),
            stubs.display()
        );
        envs.push((format!("CC_{env_triple}"), "clang".into()));
        envs.push((format!("AR_{env_triple}"), "llvm-ar".into()));
        envs.push((format!("CFLAGS_{env_triple}"), cflags));
        args.extend(["--target", check.triple]);
    }
    if group.iter().any(|c| c.apple) {
        envs.push(("SDKROOT".into(), stubs.to_string_lossy().into_owned()));
    }
    for package in group[0].packages {
        args.extend(["-p", package]);
    }
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    match log {
        None => run(DEBIAN_CARGO, &args, &envs),
        Some(log) => background::run_niced(DEBIAN_CARGO, &args, &envs, log),
    }
}

/// The background check's cargo: run niced, and stoppable from the test command's thread.
mod background {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Mutex, MutexGuard};
    use std::time::Duration;

    use crate::Result;

    /// The background check's state, shared with the thread that may stop it.
    struct State {
        /// The running cargo, until it has been waited for (never signalled after: no reused pid).
        cargo: Option<Child>,
        /// Set by [`stop`]: no further cargo starts.
        stopped: bool,
    }

    static STATE: Mutex<State> = Mutex::new(State {
        cargo: None,
        stopped: false,
    });

    fn state() -> MutexGuard<'static, State> {
        STATE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `program` at nice 19, output appended to `log`, failing on a non-zero exit.
    pub fn run_niced(program: &str, args: &[&str], envs: &[(&str, &str)], log: &Path) -> Result {
        {
            let mut state = state();
            if state.stopped {
                return Err("stopped".into());
            }
            let child = Command::new("nice")
                .args(["-n", "19", program])
                .args(args)
                .envs(envs.iter().copied())
                .current_dir(crate::root())
                .stdin(Stdio::null())
                .stdout(crate::append_to(log)?)
                .stderr(crate::append_to(log)?)
                .spawn()
                .map_err(|e| format!("cannot run {program}: {e}"))?;
            state.cargo = Some(child);
        }
        let status = loop {
            {
                let mut state = state();
                let Some(child) = state.cargo.as_mut() else {
                    return Err("stopped".into());
                };
                if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                    state.cargo = None;
                    break status;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        crate::logged_outcome(program, args, status, log)
    }

    /// Stops the running cargo and its compilers (cargo alone would leave its rustc children
    /// running), and any later cargo.
    pub fn stop() {
        let mut state = state();
        state.stopped = true;
        if let Some(mut cargo) = state.cargo.take() {
            let pid = cargo.id().to_string();
            let _ = Command::new("pkill").args(["-TERM", "-P", &pid]).status();
            let _ = cargo.kill();
            let _ = cargo.wait();
        }
    }
}
