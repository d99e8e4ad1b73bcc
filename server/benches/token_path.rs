//! The cached token path under load: N concurrent clients on loopback, each a different user
//! with keep-alive connections, request `GET /sts-token` from a warmed-up server (credentials
//! cached, rate limiter active but generous). Reports requests/s and latency percentiles.
//!
//! ```text
//! cargo bench -p ossdirect-server --bench token_path -- [--clients 16] [--requests 20000] [--seconds 10]
//! ```
//!
//! Bounded twice: it stops after `--requests` requests or `--seconds` seconds, whichever first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ossdirect::Credentials;
use ossdirect_emulator::{Emulator, EmulatorOptions};
use ossdirect_server::{Server, ServerConfig, TokenEntry};

struct Options {
    clients: usize,
    requests: u64,
    seconds: u64,
}

fn options() -> Options {
    let mut o = Options {
        clients: 16,
        requests: 20_000,
        seconds: 10,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        let value = pair[1].parse::<u64>().ok();
        match (pair[0].as_str(), value) {
            ("--clients", Some(v)) => o.clients = (v as usize).clamp(1, 512),
            ("--requests", Some(v)) => o.requests = v.clamp(1, 10_000_000),
            ("--seconds", Some(v)) => o.seconds = v.clamp(1, 600),
            _ => {}
        }
    }
    o
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(o));
}

async fn run(o: Options) {
    let dir = tempfile::tempdir().expect("temp dir");
    let emulator = Emulator::start(EmulatorOptions {
        data_dir: dir.path().to_owned(),
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator");
    let info = emulator.info().clone();
    let mut config = ServerConfig::new(&info.sts_endpoint, &info.role_arn, &info.bucket);
    let users: Vec<(String, String)> = (0..o.clients)
        .map(|i| (format!("user{i}"), format!("bench-token-{i:04}-0123456789")))
        .collect();
    config.auth.tokens = users
        .iter()
        .map(|(u, t)| TokenEntry::new(u.clone(), t.clone()))
        .collect();
    config.rate_limit.burst = 1_000_000;
    config.rate_limit.per_second = 1_000_000.0;
    let caller = Credentials::new(&info.access_key_id, &info.access_key_secret);
    let server = Server::new(config, caller)
        .expect("config")
        .start()
        .await
        .expect("server");
    let url = format!("{}/sts-token", server.url());

    // Warm-up: one AssumeRole per user, then everything is served from the cache.
    let http = reqwest::Client::new();
    for (_, token) in &users {
        let status = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("warm-up")
            .status();
        assert!(status.is_success(), "warm-up answered {status}");
    }

    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (_, token) in users.clone() {
        let (issued, url) = (issued.clone(), url.clone());
        let limit = o.requests;
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            while issued.fetch_add(1, Ordering::Relaxed) < limit && Instant::now() < deadline {
                let t = Instant::now();
                let ok = match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(t.elapsed());
                failures += u64::from(!ok);
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await.expect("client task");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let count = latencies.len();
    println!(
        "token_path: {} clients, {count} requests in {:.2} s, {failures} failed",
        o.clients,
        elapsed.as_secs_f64()
    );
    println!(
        "  throughput {:.0} requests/s",
        count as f64 / elapsed.as_secs_f64()
    );
    for p in [50.0, 90.0, 99.0] {
        println!(
            "  p{p:<4} {:>8.3} ms",
            percentile(&latencies, p).as_secs_f64() * 1e3
        );
    }
    println!(
        "  max   {:>8.3} ms",
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let _ = server.shutdown().await;
    emulator.shutdown().await;
}
