//! The per-call cost of small operations: core called directly against the same calls through
//! the exported C functions.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ossdirect::client::Method;
use ossdirect::{GetObjectOptions, PutObjectOptions};
use ossdirect_ffi::PresignRequest;
use ossdirect_tests::TestEmulator;

use crate::c_abi::ForeignClient;
use crate::{number, Fallible, Target};

const KEY: &str = "bench/small";

/// Measures presign (no I/O) and HEAD (one loopback request to an in-process emulator), `--rounds`
/// times each, alternating core and ffi, and prints the medians as a Markdown table.
pub fn run(flags: &HashMap<String, String>) -> Fallible<()> {
    let rounds = number(flags, "rounds", 5)?.max(1);
    let presigns = number(flags, "presigns", 20_000)?.max(1);
    let heads = number(flags, "heads", 2_000)?.max(1);
    // The emulator gets its own runtime; core's calls run on a two-worker runtime like the SDK's.
    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let emulator = emulator_runtime.block_on(TestEmulator::start());
    let info = emulator.info().clone();
    let target = Target {
        endpoint: &info.oss_endpoint,
        region: &info.region,
        key_id: &info.access_key_id,
        secret: &info.access_key_secret,
    };
    let (core, runtime) = target.core()?;
    runtime.block_on(core.put_object(&info.bucket, KEY, "small", &PutObjectOptions::default()))?;
    let foreign = ForeignClient::new(target.ffi()?);
    let bucket = info.bucket.as_str();
    let request = || PresignRequest {
        method: "GET".into(),
        bucket: bucket.to_owned(),
        key: KEY.to_owned(),
        expires_in_secs: 3600,
        headers: HashMap::new(),
    };

    let mut table = Vec::new();
    let mut samples = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        samples[0].push(per_call(presigns, || {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..presigns {
                    core.presign_object(Method::GET, bucket, KEY, Vec::new(), 3600)
                        .await?;
                }
                Ok::<_, Box<dyn std::error::Error>>(start.elapsed())
            })
        })?);
        samples[1].push(per_call(presigns, || {
            let start = Instant::now();
            for _ in 0..presigns {
                foreign.presign(request())?;
            }
            Ok(start.elapsed())
        })?);
        samples[2].push(per_call(heads, || {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..heads {
                    core.head_object(bucket, KEY, &GetObjectOptions::default())
                        .await?;
                }
                Ok::<_, Box<dyn std::error::Error>>(start.elapsed())
            })
        })?);
        samples[3].push(per_call(heads, || {
            let start = Instant::now();
            for _ in 0..heads {
                foreign.head_object(bucket, KEY)?;
            }
            Ok(start.elapsed())
        })?);
    }
    for (name, core_us, ffi_us) in [
        (
            "presign (V4, no I/O)",
            median(&mut samples[0]),
            median(&mut samples[1]),
        ),
        (
            "head_object (loopback)",
            median(&mut samples[2]),
            median(&mut samples[3]),
        ),
    ] {
        table.push(format!(
            "| {name} | {core_us:.2} | {ffi_us:.2} | {:+.2} | {:.2}× |",
            ffi_us - core_us,
            ffi_us / core_us
        ));
    }
    println!(
        "Per-call cost, median of {rounds} rounds ({presigns} presigns, {heads} HEADs per round):"
    );
    println!();
    println!("| operation | core µs/call | ffi µs/call | ffi − core µs | ffi / core |");
    println!("|---|--:|--:|--:|--:|");
    for line in table {
        println!("{line}");
    }
    drop(foreign);
    emulator_runtime.block_on(emulator.shutdown());
    Ok(())
}

/// Microseconds per call of a timed loop of `calls` calls.
fn per_call(calls: u64, timed: impl FnOnce() -> Fallible<Duration>) -> Fallible<f64> {
    Ok(timed()?.as_secs_f64() * 1e6 / calls as f64)
}

/// The median (sorts `xs`).
fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
