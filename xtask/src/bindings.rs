//! `cargo xtask bindings`: builds the ffi library and generates its Kotlin and Swift bindings
//! (library mode, the workspace's pinned bindgen) into `target/bindings/{kotlin,swift}`.
//! Generated code is never committed.

use std::path::PathBuf;

use crate::{cargo, root, run, Result};

/// The host library built by `cargo build -p ossdirect-ffi` in `profile` (`debug`/`release`).
pub fn host_library(profile: &str) -> PathBuf {
    root().join("target").join(profile).join(format!(
        "libossdirect_ffi.{}",
        std::env::consts::DLL_EXTENSION
    ))
}

/// Builds the library (debug unless `--release`) and generates both languages' bindings.
pub fn bindings(args: &[String]) -> Result {
    let release = args.iter().any(|a| a == "--release");
    build_library(release)?;
    generate(release, "kotlin")?;
    generate(release, "swift")
}

/// Builds the ffi library and the bindgen, with the whole workspace (one feature set for every
/// build of the test command, so dependencies compile once).
pub fn build_library(release: bool) -> Result {
    let mut cmd = vec!["build", "--workspace"];
    if release {
        cmd.push("--release");
    }
    run(&cargo(), &cmd, &[])
}

/// Builds what a benchmark of the bindings runs: the ffi library, the bindgen and the CLI it is
/// compared with (`--release` unless `release` is false).
pub fn build_for_bench(release: bool) -> Result {
    let mut args = vec![
        "build",
        "-p",
        "ossdirect-ffi",
        "-p",
        "uniffi-bindgen",
        "-p",
        "ossdirect-cli",
    ];
    if release {
        args.push("--release");
    }
    run(&cargo(), &args, &[])
}

/// Generates one language's bindings from the built library into `target/bindings/<language>`.
pub fn generate(release: bool, language: &str) -> Result {
    let profile = if release { "release" } else { "debug" };
    let library = host_library(profile);
    let out = root().join("target/bindings").join(language);
    let _ = std::fs::remove_dir_all(&out);
    let bindgen = root().join("target").join(profile).join("uniffi-bindgen");
    let config = root().join("uniffi.toml");
    run(
        &bindgen.to_string_lossy(),
        &[
            "generate",
            "--library",
            &library.to_string_lossy(),
            "--language",
            language,
            "--config",
            &config.to_string_lossy(),
            "--no-format",
            "--out-dir",
            &out.to_string_lossy(),
        ],
        &[],
    )
}
