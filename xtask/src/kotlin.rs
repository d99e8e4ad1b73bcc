//! Kotlin: the JVM artifact `io.github.ossdirect:ossdirect-jvm` and its tests, the Android parts
//! compiled against the Android API jar from Maven Central, the Android demo app's logic, the AAR
//! for developer machines, and the Kotlin benchmark.
//!
//! - `cargo xtask kotlin [--release] [--skip-tests]` — builds `libossdirect_ffi.so` and `ossdirect` (debug),
//!   generates the Kotlin bindings into `target/bindings/kotlin`, puts the library under
//!   `target/bindings/native/linux-x86-64/` (where JNA looks inside the jar), and runs Maven on
//!   `bindings-kotlin/reactor.xml`: the jar (installed into the local Maven repository, `~/.m2`),
//!   its JUnit tests against a real `ossdirect dev`, `bindings-kotlin/android` and
//!   `examples/android` (Android code compiled against `org.robolectric:android-all`; the demo's
//!   Activity and Service run under Robolectric, offline, against the same `ossdirect dev`).
//!   With `--release` the jar carries the `release-desktop` build (optimized, stripped) instead of
//!   the debug one, and the tests run against it: the jar to hand to a desktop or server app.
//! - `cargo xtask aar` — the AAR (cargo-ndk for arm64-v8a, armeabi-v7a, x86_64, then Gradle);
//!   needs the Android NDK and Gradle, and says so when they are missing.
//! - `cargo xtask bench kotlin [--size 1GiB] [--rounds 8]` — uploads and downloads through the Kotlin API on
//!   the JVM against `ossdirect upload`/`download`, and the JVM's peak RSS.
//!
//! Maven keeps its downloads in the default local repository (`~/.m2/repository`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{cargo, root, run, Result};

/// Kotlin's bindings, the host library, and the Maven run, as `cargo xtask kotlin` does them.
pub fn kotlin(args: &[String]) -> Result {
    let skip_tests = args.iter().any(|a| a == "--skip-tests");
    let release = args.iter().any(|a| a == "--release");
    if let Some(other) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--skip-tests" | "--release"))
    {
        return Err(format!(
            "kotlin: unknown argument {other} (--release, --skip-tests)"
        ));
    }
    host_library(release)?;
    let mut goals = vec!["install"];
    if skip_tests {
        goals.push("-DskipTests");
    } else {
        remove_old_reports()?;
    }
    maven(&goals, &[])?;
    if !skip_tests {
        surefire_summary()?;
    }
    Ok(())
}

/// The call from `cargo xtask test`: everything `cargo xtask kotlin` does, tests included.
pub fn test() -> Result {
    kotlin(&[])
}

/// Builds the ffi library, the bindgen and the CLI (debug), generates the Kotlin bindings and
/// stages the library for the jar: the debug build, or with `release` the `release-desktop` one
/// (optimized, stripped), so the jar installed for desktop and server apps carries a fast library
/// and the tests run against it. The bindings stay those generated from the debug build (the same
/// interface: one source, one feature set).
fn host_library(release: bool) -> Result {
    // The whole workspace, as the rest of the test command builds it (one feature set).
    crate::bindings::build_library(false)?;
    let debug = crate::bindings::host_library("debug");
    generate(
        &debug,
        "debug",
        &root().join("target/bindings/kotlin"),
        false,
    )?;
    if !release {
        return stage(&debug);
    }
    let profile = "release-desktop";
    run(
        &cargo(),
        &[
            "build",
            "-p",
            "ossdirect-ffi",
            "--lib",
            "--profile",
            profile,
        ],
        &[],
    )?;
    stage(&crate::bindings::host_library(profile))
}

/// Copies the library to `target/bindings/native/linux-x86-64/`, the jar's resource folder.
fn stage(lib: &Path) -> Result {
    let native = root().join("target/bindings/native/linux-x86-64");
    std::fs::create_dir_all(&native).map_err(|e| format!("{}: {e}", native.display()))?;
    std::fs::copy(lib, native.join("libossdirect_ffi.so"))
        .map_err(|e| format!("copying {}: {e}", lib.display()))?;
    Ok(())
}

/// Generates Kotlin for `lib` into `out` with the workspace's bindgen (`profile`'s build).
///
/// UniFFI 0.32's `--config` takes a *global* config (`[crates.<name>.bindings.kotlin]`) and
/// ignores a flat one with a warning, so the repository's `uniffi.toml` sections are passed in
/// that form (plus `android = true` for the AAR).
fn generate(lib: &Path, profile: &str, out: &Path, android: bool) -> Result {
    let root = root();
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let text = std::fs::read_to_string(root.join("uniffi.toml")).map_err(|e| e.to_string())?;
    let mut text = text.replace("[bindings.", "[crates.ossdirect_ffi.bindings.");
    if android {
        text = text.replacen(
            "[crates.ossdirect_ffi.bindings.kotlin]",
            "[crates.ossdirect_ffi.bindings.kotlin]\nandroid = true",
            1,
        );
    }
    let config = out.with_extension("uniffi.toml");
    std::fs::write(&config, text).map_err(|e| e.to_string())?;
    let bindgen = root.join("target").join(profile).join("uniffi-bindgen");
    run(
        &bindgen.to_string_lossy(),
        &[
            "generate",
            "--library",
            &lib.to_string_lossy(),
            "--language",
            "kotlin",
            "--config",
            &config.to_string_lossy(),
            "--no-format",
            "--out-dir",
            &out.to_string_lossy(),
        ],
        &[],
    )
}

/// `mvn -q -B` on the reactor (the jar, the Android library's sources, the demo app), with the
/// paths of this checkout. Installs Maven and a JDK through apt when they are missing.
fn maven(goals: &[&str], extra: &[String]) -> Result {
    ensure_maven()?;
    let root = root();
    let bin = root.join("target/debug/ossdirect");
    let mut args: Vec<String> = vec![
        "-q".into(),
        "-B".into(),
        "-f".into(),
        "bindings-kotlin/reactor.xml".into(),
        "-Dkotlin.compiler.daemon=false".into(),
        format!("-Dossdirect.root={}", root.display()),
        format!("-Dossdirect.bin={}", bin.display()),
    ];
    args.extend(goals.iter().map(|g| g.to_string()));
    args.extend(extra.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("mvn", &args, &[])
}

/// Downloads the reactor's plugins and dependencies into the local repository (the test command's
/// background downloads), its output in `log`.
pub fn prefetch(log: &Path) -> Result {
    ensure_maven()?;
    let root_property = format!("-Dossdirect.root={}", root().display());
    crate::run_logged(
        "mvn",
        &[
            "-q",
            "-B",
            "-f",
            "bindings-kotlin/reactor.xml",
            &root_property,
            "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:go-offline",
        ],
        &[],
        log,
    )
}

fn ensure_maven() -> Result {
    let ok = |program: &str| {
        Command::new(program)
            .arg("-version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if ok("mvn") && ok("javac") {
        return Ok(());
    }
    crate::apt::install_missing(&["maven", "openjdk-17-jdk-headless"])
}

/// Removes the Surefire reports of earlier runs (a benchmark's among them), so that the summary
/// counts this run's tests only.
fn remove_old_reports() -> Result {
    let Ok(modules) = std::fs::read_dir(root().join("target/maven")) else {
        return Ok(());
    };
    for module in modules.flatten() {
        let reports = module.path().join("surefire-reports");
        match std::fs::remove_dir_all(&reports) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("{}: {e}", reports.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Prints one line per module from Surefire's reports, and a total in the plain form
/// `kotlin: N passed, N failed, N skipped` (Maven runs quietly).
fn surefire_summary() -> Result {
    let maven_dir = root().join("target/maven");
    let (mut passed, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    let modules =
        std::fs::read_dir(&maven_dir).map_err(|e| format!("{}: {e}", maven_dir.display()))?;
    for module in modules.flatten() {
        let reports = module.path().join("surefire-reports");
        let Ok(files) = std::fs::read_dir(&reports) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let Some(head) = text.lines().find(|l| l.contains("<testsuite ")) else {
                continue;
            };
            let field = |name: &str| -> u64 {
                let key = format!(" {name}=\"");
                head.find(&key)
                    .and_then(|i| head[i + key.len()..].split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let (tests, failures, errors, skip) = (
                field("tests"),
                field("failures"),
                field("errors"),
                field("skipped"),
            );
            passed += tests.saturating_sub(failures + errors + skip);
            failed += failures + errors;
            skipped += skip;
        }
    }
    println!("kotlin: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        return Err(format!("{failed} Kotlin tests failed"));
    }
    if passed == 0 {
        return Err("no Kotlin test ran".into());
    }
    Ok(())
}

/// `cargo xtask aar`: the Android library for developer machines with the NDK and Gradle.
pub fn aar(args: &[String]) -> Result {
    let release = !args.iter().any(|a| a == "--debug");
    let ndk = ["ANDROID_NDK_HOME", "ANDROID_NDK_ROOT", "NDK_HOME"]
        .iter()
        .find_map(std::env::var_os)
        .map(PathBuf::from)
        .filter(|p| p.is_dir());
    let Some(ndk) = ndk else {
        return Err(
            "cargo xtask aar needs the Android NDK (r27 or newer): install it with the \
             Android SDK manager and set ANDROID_NDK_HOME, then run again. The AAR cannot be built \
             on a machine without it; `cargo xtask kotlin` builds and tests everything else."
                .into(),
        );
    };
    let has = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !has(&cargo(), "ndk") && !has("cargo-ndk", "--version") {
        return Err("cargo xtask aar needs cargo-ndk: `cargo install cargo-ndk`".into());
    }
    let gradle = if root().join("bindings-kotlin/android/gradlew").exists() {
        "./gradlew".to_string()
    } else if has("gradle", "--version") {
        "gradle".to_string()
    } else {
        return Err(
            "cargo xtask aar needs Gradle 8.9+ on PATH (or a wrapper in \
                    bindings-kotlin/android)"
                .into(),
        );
    };
    let root = root();
    let jni = root.join("bindings-kotlin/android/src/main/jniLibs");
    let jni_s = jni.to_string_lossy().into_owned();
    let ndk_s = ndk.to_string_lossy().into_owned();
    // 16 KB pages (Android 15+ devices): align the LOAD segments; keep symbols for crash reports
    // (the AAR's doNotStrip).
    let rustflags =
        "-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,-z,common-page-size=16384";
    let mut cmd = vec![
        "ndk",
        "-t",
        "arm64-v8a",
        "-t",
        "armeabi-v7a",
        "-t",
        "x86_64",
        "--platform",
        "24",
        "-o",
        &jni_s,
        "build",
        "-p",
        "ossdirect-ffi",
    ];
    if release {
        cmd.push("--release");
    }
    run(
        &cargo(),
        &cmd,
        &[
            ("ANDROID_NDK_HOME", &ndk_s),
            ("CARGO_ENCODED_RUSTFLAGS", &rustflags.replace(' ', "\u{1f}")),
        ],
    )?;
    run(&cargo(), &["build", "-p", "uniffi-bindgen"], &[])?;
    let lib = jni.join("arm64-v8a/libossdirect_ffi.so");
    generate(
        &lib,
        "debug",
        &root.join("target/bindings/kotlin-android"),
        true,
    )?;
    let started = Instant::now();
    let status = Command::new(&gradle)
        .args(["--no-daemon", "assembleRelease"])
        .current_dir(root.join("bindings-kotlin/android"))
        .status()
        .map_err(|e| format!("cannot run {gradle}: {e}"))?;
    if !status.success() {
        return Err(format!("{gradle} assembleRelease failed: {status}"));
    }
    eprintln!(
        "AAR in bindings-kotlin/android/build/outputs/aar/ ({:.0?}); library size per ABI:",
        started.elapsed()
    );
    for abi in ["arm64-v8a", "armeabi-v7a", "x86_64"] {
        let so = jni.join(abi).join("libossdirect_ffi.so");
        if let Ok(meta) = std::fs::metadata(&so) {
            eprintln!("  {abi:<12} {:.1} MiB", meta.len() as f64 / 1048576.0);
        }
    }
    Ok(())
}

/// `cargo xtask bench kotlin [--size 1GiB] [--rounds 8] [--debug]`: the Kotlin API against the
/// CLI, both on the same build of the library (release unless `--debug`).
pub fn bench(args: &[String]) -> Result {
    let mut size = "1GiB".to_string();
    let mut rounds = "8".to_string();
    let mut debug = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => size = it.next().cloned().ok_or("--size needs a value")?,
            "--rounds" => rounds = it.next().cloned().ok_or("--rounds needs a value")?,
            "--debug" => debug = true,
            other => return Err(format!("bench kotlin: unknown argument {other}")),
        }
    }
    let profile = if debug { "debug" } else { "release" };
    crate::bindings::build_for_bench(!debug)?;
    let lib = crate::bindings::host_library(profile);
    generate(&lib, profile, &root().join("target/bindings/kotlin"), false)?;
    stage(&lib)?;
    let root = root();
    ensure_maven()?;
    let bin = root.join(format!("target/{profile}/ossdirect"));
    let args: Vec<String> = vec![
        "-q".into(),
        "-B".into(),
        "-f".into(),
        "bindings-kotlin/pom.xml".into(),
        "-Dkotlin.compiler.daemon=false".into(),
        format!("-Dossdirect.root={}", root.display()),
        format!("-Dossdirect.bin={}", bin.display()),
        "-Dossdirect.excludedGroups=".into(),
        "-Dgroups=bench".into(),
        "-Dsurefire.failIfNoSpecifiedTests=false".into(),
        format!("-Dossdirect.bench.size={size}"),
        format!("-Dossdirect.bench.rounds={rounds}"),
        "-DtrimStackTrace=false".into(),
        "test".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("mvn", &args, &[])?;
    let report = root.join("target/maven/jvm/bench-kotlin.txt");
    match std::fs::read_to_string(&report) {
        Ok(text) => {
            println!("{text}");
            Ok(())
        }
        Err(e) => Err(format!("{}: {e}", report.display())),
    }
}
