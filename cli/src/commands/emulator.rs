//! `ossdirect emulator`: the local OSS + STS, printing one JSON line once ready.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use ossdirect_emulator::{ConnectionLimits, Emulator, EmulatorOptions, FaultRule};

use super::CliResult;

/// Arguments of `ossdirect emulator`.
#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Address of the OSS listener (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// Address of the STS listener (default: the same IP, a free port).
    #[arg(long)]
    sts_listen: Option<SocketAddr>,
    /// Where buckets, objects and the emulator's accounts are kept.
    #[arg(long)]
    data_dir: PathBuf,
    /// TOML file declaring more buckets, users, roles and policies.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Test control: smallest DurationSeconds AssumeRole accepts (default 900).
    #[arg(long)]
    sts_min_duration: Option<u64>,
    /// Test control: issued STS credentials expire after at most this many seconds.
    #[arg(long)]
    sts_max_lifetime: Option<u64>,
    /// Test control: the emulator's clock runs this many seconds ahead (negative: behind).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    clock_offset: i64,
    /// Test control: a fault rule, e.g. `op=UploadPart,kind=reset,nth=3`. Repeatable.
    #[arg(long = "fault")]
    fault: Vec<FaultRule>,
    /// Seconds a connection may take to send a request head (also closes idle keep-alive
    /// connections).
    #[arg(long, default_value_t = ConnectionLimits::default().header_read_timeout_seconds)]
    header_read_timeout: u64,
    /// The most connections open at once per listener; more wait.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// Accept V1 signatures made without the request's x-oss-* query parameters (what the
    /// Python SDK v2's V1 signer sends); off by default.
    #[arg(long)]
    lenient_v1_oss_query: bool,
}

/// Starts the emulator, prints its JSON line, and serves until Ctrl-C or SIGTERM.
pub async fn run(a: EmulatorArgs) -> CliResult {
    let options = EmulatorOptions {
        listen: a.listen,
        sts_listen: a.sts_listen,
        data_dir: a.data_dir,
        config_file: a.config,
        sts_min_duration: a.sts_min_duration,
        sts_max_lifetime: a.sts_max_lifetime,
        clock_offset_seconds: a.clock_offset,
        faults: a.fault,
        connection_limits: ConnectionLimits {
            header_read_timeout_seconds: a.header_read_timeout,
            max_connections: a.max_connections,
        },
        lenient_v1_oss_query: a.lenient_v1_oss_query,
    };
    let emulator = Emulator::start(options).await?;
    println!("{}", serde_json::to_string(emulator.info())?);
    eprintln!(
        "ossdirect emulator: OSS at {}, STS at {}, bucket {} (Ctrl-C to stop)",
        emulator.info().oss_endpoint,
        emulator.info().sts_endpoint,
        emulator.info().bucket
    );
    wait_for_shutdown_signal().await;
    emulator.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
