//! Project automation, one entry point per job:
//!
//! - `cargo xtask test`  — every test: formatting, clippy, docs without warnings, the type-check of
//!   other targets (`check-targets`), Rust tests, interop with the official SDKs, and a small run of
//!   the demo.
//! - `cargo xtask bench [signing|server|transfer|ffi|kotlin|swift]` — the benchmarks (signing and
//!   CRC-64, the token server's cached path, transfers against the official SDKs, the ffi layer
//!   against core, the Kotlin and Swift APIs against the CLI), figures in docs/.
//! - `cargo xtask demo`  — the main job on the embedded emulator (`ossdirect demo`).
//! - `cargo xtask check-targets [TRIPLE...]` — type-checks core for Windows and the ffi crate for
//!   the five phone targets with Debian's `rustc-web` and `-Zbuild-std`; see `targets.rs`. The
//!   test command runs it in the background at nice 19, beside the other steps, and downloads
//!   what its later steps need meanwhile (`prefetch.rs`).
//! - `cargo xtask fuzz [TARGET] [--seconds N]` — the `cargo fuzz` targets of `fuzz/` (nightly and
//!   cargo-fuzz); their corpora are replayed by `cargo test` without either; see `fuzz.rs`.
//!
//! Tools the tests need (the official Python SDKs, pinned) are installed by this program into
//! `target/interop/`, so a fresh machine needs nothing by hand.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod apt;
mod bindings;
mod fuzz;
mod kotlin;
mod prefetch;
mod swift;
mod targets;

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    drop_cargo_library_path();
    let args: Vec<String> = env::args().skip(1).collect();
    let (job, rest) = match args.split_first() {
        Some((job, rest)) => (job.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match job {
        "test" => test(rest),
        "bench" => bench(rest),
        "demo" => demo(rest),
        "bindings" => bindings::bindings(rest),
        "swift" => swift::swift(rest),
        "xcframework" => swift::xcframework(rest),
        "kotlin" => kotlin::kotlin(rest),
        "aar" => kotlin::aar(rest),
        "check-targets" => targets::check_targets(rest),
        "fuzz" => fuzz::fuzz(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <test [--skip-lint] | bench [signing|server|transfer|ffi|kotlin|swift] | demo [ARGS...] | bindings [--release] | kotlin [--release] [--skip-tests] | aar | swift [ARGS...] | xcframework | check-targets [TRIPLE...] | fuzz [TARGET] [--seconds N]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Removes from `LD_LIBRARY_PATH` the workspace's `target/` directories that `cargo run` put there
/// for this program, so that no child finds a library of ours by that path: the JVM's JNA looks
/// there before the library a jar carries, and the Kotlin benchmark, a release build, had been
/// loading `target/debug/libossdirect_ffi.so` (and the Kotlin tests never loaded the jar's copy).
fn drop_cargo_library_path() {
    let Some(value) = env::var_os("LD_LIBRARY_PATH") else {
        return;
    };
    let target = root().join("target");
    let kept: Vec<PathBuf> = env::split_paths(&value)
        .filter(|dir| !dir.starts_with(&target))
        .collect();
    match env::join_paths(&kept) {
        Ok(joined) if !kept.is_empty() => env::set_var("LD_LIBRARY_PATH", joined),
        _ => env::remove_var("LD_LIBRARY_PATH"),
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the repository root, failing on a non-zero exit.
pub(crate) fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result {
    let started = Instant::now();
    eprintln!("==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    eprintln!("<== {program} finished in {:.1?}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed: {status}", args.join(" ")))
    }
}

/// `log` opened for appending (created when missing), for a command's output.
pub(crate) fn append_to(log: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))
}

/// Runs a command in the repository root with its output appended to `log` (a step in the
/// background), failing on a non-zero exit.
pub(crate) fn run_logged(
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    log: &Path,
) -> Result {
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .stdout(append_to(log)?)
        .stderr(append_to(log)?)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    logged_outcome(program, args, status, log)
}

/// A logged command's exit as a result: its error names the command and where its output is.
pub(crate) fn logged_outcome(
    program: &str,
    args: &[&str],
    status: std::process::ExitStatus,
    log: &Path,
) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {} failed: {status} (output in {})",
            args.join(" "),
            log.display()
        ))
    }
}

/// The cargo that runs this program (`CARGO`), else `cargo` from PATH.
pub(crate) fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn test(args: &[String]) -> Result {
    let cargo = cargo();
    // Downloads for the later steps (minutes on a fresh machine, little CPU) go on during the Rust ones.
    let downloads = prefetch::start();
    let lint = !args.iter().any(|a| a == "--skip-lint");
    // The type-check for other targets needs nothing from the other steps: it runs beside them,
    // niced, on the CPU they leave idle, and is waited for at the end.
    let target_log = root().join("target/check-targets.log");
    let _ = std::fs::create_dir_all(root().join("target"));
    let _ = std::fs::remove_file(&target_log);
    let other_targets = lint.then(|| targets::start_in_background(target_log.clone()));
    // Whatever step fails, the check in the background stops too.
    let _stop = StopOnDrop;
    if lint {
        run(&cargo, &["fmt", "--all", "--check"], &[])?;
        check_import_groups()?;
        run(
            &cargo,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )?;
        run(
            &cargo,
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        )?;
    }
    bindings::build_library(false)?;
    run(&cargo, &["test", "--workspace"], &[])?;
    // A surface UniFFI cannot express fails here.
    bindings::generate(false, "kotlin")?;
    bindings::generate(false, "swift")?;
    prefetch::finish(downloads);
    python_interop()?;
    // The Swift package and the iOS demo's view model (XCTest; Swift from PATH or the cached trixie chroot).
    swift::test()?;
    // Kotlin: the JVM jar and its tests, the Android parts and the demo app's logic (xtask/src/kotlin.rs).
    kotlin::test()?;
    if let Some(other_targets) = other_targets {
        let started = Instant::now();
        eprintln!(
            "==> waiting for check-targets (output in {})",
            target_log.display()
        );
        other_targets
            .join()
            .map_err(|_| "check-targets stopped on a panic".to_string())??;
        eprintln!(
            "<== check-targets done after waiting {:.1?}",
            started.elapsed()
        );
    }
    // The README's main command, smaller: it must keep working end to end.
    let bin = root().join("target/debug/ossdirect");
    run(&bin.to_string_lossy(), &["demo", "--size", "48MiB"], &[])
}

/// Stops the test command's background target check when dropped (after it ended: nothing to do).
struct StopOnDrop;

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        targets::stop_background();
    }
}

/// Packages whose imports are checked for std / external / crate groups. The emulator joins once
/// its files are regrouped (`cargo +nightly fmt -p ossdirect-emulator -- --config
/// group_imports=StdExternalCrate`).
const GROUPED_IMPORTS: &[&str] = &[
    "ossdirect",
    "ossdirect-cli",
    "ossdirect-server",
    "ossdirect-tests",
    "xtask",
];

/// Checks that imports are grouped std / external / crate. `group_imports` is a nightly-only
/// rustfmt option: without a nightly rustfmt the check is skipped (with a notice).
fn check_import_groups() -> Result {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustfmt", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !nightly {
        eprintln!("xtask: no nightly rustfmt (rustup); skipping the import-grouping check");
        return Ok(());
    }
    let mut args = vec!["run", "nightly", "cargo", "fmt", "--check"];
    for package in GROUPED_IMPORTS {
        args.extend(["-p", package]);
    }
    args.extend(["--", "--config", "group_imports=StdExternalCrate"]);
    run("rustup", &args, &[])
}

/// The official Python SDKs against our emulator, in a venv with pinned versions.
fn python_interop() -> Result {
    let python = interop_venv(None)?;
    let root = root();
    let bin = root.join("target/debug/ossdirect");
    let bin = bin.to_string_lossy().into_owned();
    let py = python.to_string_lossy().into_owned();
    run(
        &py,
        &[
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/interop/python",
        ],
        &[("OSSDIRECT_BIN", &bin)],
    )
}

/// Creates `target/interop/venv` with the pinned Python SDKs unless it already holds exactly those
/// (pip's output in `log` when given); returns its Python.
pub(crate) fn interop_venv(log: Option<&Path>) -> Result<PathBuf> {
    let root = root();
    let venv = root.join("target/interop/venv");
    let python = venv.join("bin/python");
    let requirements = root.join("tests/interop/python/requirements.txt");
    let stamp = venv.join(".requirements");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let venv_str = venv.to_string_lossy().into_owned();
    let py = python.to_string_lossy().into_owned();
    let req = requirements.to_string_lossy().into_owned();
    let steps: [(&str, Vec<&str>); 2] = [
        ("python3", vec!["-m", "venv", "--clear", &venv_str]),
        (
            &py,
            vec![
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                &req,
            ],
        ),
    ];
    for (program, args) in &steps {
        match log {
            Some(log) => run_logged(program, args, &[], log)?,
            None => run(program, args, &[])?,
        }
    }
    std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

/// `cargo xtask bench [signing | server | transfer | ffi | kotlin | swift] [ARGS...]`: one
/// benchmark, or the first three.
fn bench(args: &[String]) -> Result {
    let cargo = cargo();
    match args.first().map(String::as_str) {
        Some("swift") => return swift::bench(&args[1..]),
        Some("kotlin") => return kotlin::bench(&args[1..]),
        Some("ffi") => return bench_ffi(&args[1..]),
        _ => {}
    }
    let (which, rest) = match args.split_first() {
        Some((w, rest)) if ["signing", "server", "transfer"].contains(&w.as_str()) => {
            (w.as_str(), rest)
        }
        _ => ("all", args),
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    if matches!(which, "signing" | "all") {
        let mut cmd = vec!["bench", "-p", "ossdirect", "--bench", "signing_crc"];
        cmd.extend(&rest);
        run(&cargo, &cmd, &[])?;
    }
    if matches!(which, "server" | "all") {
        let mut cmd = vec![
            "bench",
            "-p",
            "ossdirect-server",
            "--bench",
            "token_path",
            "--",
        ];
        cmd.extend(&rest);
        run(&cargo, &cmd, &[])?;
    }
    if matches!(which, "transfer" | "all") {
        let mut cmd = vec!["bench/transfer.py"];
        cmd.extend(&rest);
        run("python3", &cmd, &[])?;
    }
    Ok(())
}

/// `cargo xtask bench ffi [ARGS...]`: uploads and downloads through the ffi layer against core
/// (`bench/transfer.py --tools core,ffi ARGS`: speed and peak RSS, separate processes), then the
/// per-call cost of small operations through the exported C functions against core.
fn bench_ffi(args: &[String]) -> Result {
    let mut cmd = vec!["bench/transfer.py", "--tools", "core,ffi"];
    cmd.extend(args.iter().map(String::as_str));
    run("python3", &cmd, &[])?;
    let program = root().join("target/release/examples/ffi_bench");
    run(&program.to_string_lossy(), &["calls"], &[])
}

fn demo(args: &[String]) -> Result {
    let cargo = cargo();
    let mut cmd = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "ossdirect-cli",
        "--",
        "demo",
    ];
    cmd.extend(args.iter().map(String::as_str));
    run(&cargo, &cmd, &[])
}
