//! `cargo xtask fuzz [TARGET] [--seconds N]`: runs the `cargo fuzz` targets of `fuzz/` (every one
//! when no target is named) for N seconds each (default 600), starting from the seeds in
//! `fuzz/corpus/<target>/` and growing a scratch corpus in `target/fuzz-corpus/<target>/`.
//! Needs a nightly toolchain and `cargo-fuzz` (`cargo install cargo-fuzz`). Findings land in
//! `fuzz/artifacts/<target>/`; once fixed, copy each into the corpus so that the ordinary tests
//! (`cargo test -p ossdirect-fuzz`) replay it from then on.

use std::process::Command;

use crate::{root, run, Result};

/// The default run time of one target, in seconds.
const DEFAULT_SECONDS: u64 = 600;

/// The targets, read from `fuzz/fuzz_targets/*.rs`.
fn targets() -> Result<Vec<String>> {
    let dir = root().join("fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Parses `[TARGET] [--seconds N]`.
fn parse(args: &[String]) -> Result<(Option<String>, u64)> {
    let (mut target, mut seconds) = (None, DEFAULT_SECONDS);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds: not a number: {value}"))?;
            }
            name if target.is_none() && !name.starts_with('-') => target = Some(name.to_owned()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok((target, seconds))
}

/// Runs one target or all of them.
pub(crate) fn fuzz(args: &[String]) -> Result {
    let (only, seconds) = parse(args)?;
    let has_cargo_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        return Err(
            "cargo fuzz needs a nightly toolchain and cargo-fuzz: `rustup toolchain install nightly` \
             and `cargo install cargo-fuzz`"
                .to_owned(),
        );
    }
    let all = targets()?;
    let chosen: Vec<String> = match only {
        Some(name) if all.contains(&name) => vec![name],
        Some(name) => {
            return Err(format!(
                "no fuzz target {name:?}; targets: {}",
                all.join(", ")
            ))
        }
        None => all,
    };
    let time = format!("-max_total_time={seconds}");
    for target in &chosen {
        // New inputs go to a scratch corpus under target/ (thousands of files in a long run);
        // the committed seeds are read from fuzz/corpus/. A finding worth keeping is copied there.
        let grown = root().join(format!("target/fuzz-corpus/{target}"));
        std::fs::create_dir_all(&grown).map_err(|e| format!("{}: {e}", grown.display()))?;
        let grown = grown.to_string_lossy().into_owned();
        let seeds = format!("fuzz/corpus/{target}");
        run(
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                "--fuzz-dir",
                "fuzz",
                "--features",
                "libfuzzer",
                target,
                &grown,
                &seeds,
                "--",
                &time,
                "-print_final_stats=1",
            ],
            &[],
        )?;
    }
    Ok(())
}
