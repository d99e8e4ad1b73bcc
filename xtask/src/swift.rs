//! Swift: the `OSSDirect` package in `bindings-swift/` and the iOS demo's view model in `examples/ios/`.
//!
//! - `cargo xtask swift [ARGS...]` — builds the host library (`libossdirect_ffi.so`) and the CLI, generates the
//!   Swift bindings, copies them into the package's git-ignored `bindings-swift/Generated/`, and runs
//!   `swift ARGS...` (default: `test`) with the Swift toolchain: `swift` from PATH, or else the cached Debian
//!   trixie chroot (`bindings-swift/scripts/swift-chroot.sh`), which sees the repository at the same path.
//! - `cargo xtask xcframework` — the XCFramework for iOS (macOS with Xcode only; fails clearly elsewhere).
//! - `cargo xtask bench swift [SIZE_MIB [ROUNDS]]` — a 1 GiB upload and download through the Swift API
//!   against the CLI, median of eight runs each.
//! - [`fn@test`] — the Swift part of `cargo xtask test`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{root, run, Result};

/// The C module of the FFI header, the Swift 5 module of the generated code (see `uniffi.toml`).
const FFI_MODULE: &str = "OSSDirectFFI";
const BINDINGS_MODULE: &str = "OSSDirectBindings";
/// Whole `swift build`/`swift test` runs are stopped after this long (tests have their own bounded waits).
const SWIFT_TIMEOUT: Duration = Duration::from_secs(25 * 60);

fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                root().join(d)
            }
        }
        None => root().join("target"),
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `cargo xtask swift [ARGS...]`.
pub fn swift(args: &[String]) -> Result {
    prepare(false)?;
    let args: Vec<String> = if args.is_empty() {
        vec!["test".into()]
    } else {
        args.to_vec()
    };
    run_swift(
        &args,
        &env::current_dir().unwrap_or_else(|_| root()),
        "debug",
    )
}

/// The Swift tests of `cargo xtask test`: the package's XCTests and the demo's view-model tests, both against
/// `ossdirect dev` started by the tests themselves.
pub fn test() -> Result {
    let started = Instant::now();
    prepare(false)?;
    let root = root();
    for package in ["bindings-swift", "examples/ios"] {
        let path = path_str(&root.join(package));
        run_swift(
            &["test".into(), "--package-path".into(), path],
            &root,
            "debug",
        )?;
    }
    eprintln!("swift: all Swift tests passed in {:.1?}", started.elapsed());
    Ok(())
}

/// Builds the host library and the binaries the tests start (`release` for benchmarks), then puts the
/// generated bindings into the package.
fn prepare(release: bool) -> Result {
    if release {
        crate::bindings::build_for_bench(true)?;
    } else {
        // The whole workspace: the library, the bindgen and the `ossdirect` binary the tests start.
        crate::bindings::build_library(false)?;
    }
    crate::bindings::generate(release, "swift")?;
    sync_generated()
}

/// Writes `contents` to `path` unless it already holds exactly that (so SwiftPM does not rebuild for nothing).
fn write_if_changed(path: &Path, contents: &[u8]) -> Result {
    if fs::read(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))
}

/// The module map of the C module on Linux: the header, and the library it links.
fn linux_module_map() -> String {
    format!(
        "// Written by `cargo xtask swift` (not committed): the FFI header of libossdirect_ffi.\n\
         module {FFI_MODULE} {{\n    header \"{FFI_MODULE}.h\"\n    link \"ossdirect_ffi\"\n    export *\n}}\n"
    )
}

/// Copies the generated header and Swift source into `bindings-swift/Generated/` (git-ignored): the C module
/// `OSSDirectFFI` (a system-library target on Linux) and the Swift 5 target `OSSDirectBindings`.
fn sync_generated() -> Result {
    let from = target_dir().join("bindings/swift");
    let to = root().join("bindings-swift/Generated");
    let read = |name: &str| {
        let p = from.join(name);
        fs::read(&p).map_err(|e| format!("{}: {e} (did the bindings generation run?)", p.display()))
    };
    let header = read(&format!("{FFI_MODULE}.h"))?;
    let swift = read(&format!("{BINDINGS_MODULE}.swift"))?;
    write_if_changed(
        &to.join(FFI_MODULE).join(format!("{FFI_MODULE}.h")),
        &header,
    )?;
    write_if_changed(
        &to.join(FFI_MODULE).join("module.modulemap"),
        linux_module_map().as_bytes(),
    )?;
    write_if_changed(
        &to.join(BINDINGS_MODULE)
            .join(format!("{BINDINGS_MODULE}.swift")),
        &swift,
    )
}

fn swift_on_path() -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|d| d.join("swift"))
        .find(|p| p.is_file())
}

/// Builds the Swift chroot when no `swift` is on PATH (the test command's background downloads),
/// its output in `log`.
pub fn prefetch(log: &Path) -> Result {
    if swift_on_path().is_some() {
        return Ok(());
    }
    // Here rather than in the script, so it waits for the other `apt-get`s of this process.
    crate::apt::install_missing(&["debootstrap"])?;
    crate::run_logged(&path_str(&chroot_script()), &["ensure"], &[], log)
}

fn chroot_script() -> PathBuf {
    root().join("bindings-swift/scripts/swift-chroot.sh")
}

/// Runs `swift ARGS...` in `cwd`, with the linker flags that find the host library of cargo's `profile`
/// (`debug`/`release`) and the environment the tests read (that profile's binaries), under [`SWIFT_TIMEOUT`].
fn run_swift(args: &[String], cwd: &Path, profile: &str) -> Result {
    let root = root();
    let target = target_dir();
    let lib_dir = path_str(&target.join(profile));
    let mut args: Vec<String> = args.to_vec();
    if matches!(
        args.first().map(String::as_str),
        Some("build" | "test" | "run")
    ) {
        // Options right after the subcommand (after them, `swift run` passes arguments to the program).
        let mut options: Vec<String> = vec![];
        if !args.iter().any(|a| a == "--package-path") {
            options.extend([
                "--package-path".into(),
                path_str(&root.join("bindings-swift")),
            ]);
        }
        for flag in [format!("-L{lib_dir}"), format!("-rpath={lib_dir}")] {
            options.extend(["-Xlinker".into(), flag]);
        }
        args.splice(1..1, options);
    }
    let envs = [
        (
            "OSSDIRECT_BIN",
            path_str(&target.join(profile).join("ossdirect")),
        ),
        (
            "OSSDIRECT_SERVER_BIN",
            path_str(&target.join(profile).join("ossdirect-server")),
        ),
        ("OSSDIRECT_FFI_LIB_DIR", lib_dir.clone()),
    ];
    let mut command = match swift_on_path() {
        Some(swift) => {
            let mut c = Command::new(swift);
            c.args(&args).current_dir(cwd);
            c
        }
        None => {
            let script = chroot_script();
            run(&path_str(&script), &["ensure"], &[])?;
            // The chroot sees the repository (and an outside target directory) at the same paths.
            let mut binds = vec![path_str(&root)];
            if !target.starts_with(&root) {
                binds.push(path_str(&target));
            }
            let inside = if cwd.starts_with(&root) { cwd } else { &root };
            let mut c = Command::new(script);
            c.arg("run")
                .arg(inside)
                .arg("swift")
                .args(&args)
                .env("OSSDIRECT_SWIFT_BINDS", binds.join(":"))
                .current_dir(&root);
            c
        }
    };
    command.envs(envs.iter().map(|(k, v)| (k, v)));
    supervise(command, &format!("swift {}", args.join(" ")))
}

/// Runs a command in its own process group; on timeout the whole group is stopped.
fn supervise(mut command: Command, what: &str) -> Result {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    eprintln!("==> {what}");
    let mut child = command
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let pid = child.id();
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if started.elapsed() > SWIFT_TIMEOUT => {
                // The group id is the child's pid (process_group(0)).
                let _ = Command::new("kill")
                    .args(["-TERM", "--", &format!("-{pid}")])
                    .status();
                std::thread::sleep(Duration::from_secs(5));
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{pid}")])
                    .status();
                let _ = child.wait();
                return Err(format!("{what} timed out after {SWIFT_TIMEOUT:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    eprintln!("<== {what} finished in {:.1?}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {status}"))
    }
}

/// `cargo xtask xcframework [--release-url URL]`: static libraries for aarch64-apple-ios, aarch64-apple-ios-sim
/// and x86_64-apple-ios (the two simulator slices merged with lipo), linked for app extensions, headers in their
/// own subfolder, then `xcodebuild -create-xcframework`. Needs macOS with Xcode and the three Rust targets.
pub fn xcframework(args: &[String]) -> Result {
    let script = root().join("bindings-swift/scripts/build-xcframework.sh");
    let mut a: Vec<&str> = vec![];
    a.extend(args.iter().map(String::as_str));
    run(&path_str(&script), &a, &[])
}

/// `cargo xtask bench swift [SIZE_MIB [ROUNDS]]`: the Swift API against `ossdirect upload`/`download` on the same
/// emulator, the library, the CLI and the Swift code all built for release.
pub fn bench(args: &[String]) -> Result {
    prepare(true)?;
    let root = root();
    let mut swift_args: Vec<String> = vec![
        "run".into(),
        "--package-path".into(),
        path_str(&root.join("bindings-swift")),
        "-c".into(),
        "release".into(),
        "ossdirect-swift-bench".into(),
    ];
    swift_args.extend(args.iter().cloned());
    run_swift(&swift_args, &root, "release")
}
