//! Starting and stopping an emulator.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{App, STS_MIN_DURATION};
use crate::clock::Clock;
use crate::error::EmulatorError;
use crate::faults::FaultInjector;
use crate::fsutil;
use crate::identity::Directory;
use crate::options::EmulatorOptions;
use crate::stats::Stats;
use crate::storage::Storage;
use crate::sts::NonceCache;
use crate::{oss, server, sts};

/// Everything a client needs to talk to a running emulator (the CLI prints it as JSON).
#[derive(Serialize, Clone, Debug)]
pub struct ReadyInfo {
    /// `http://127.0.0.1:PORT`: the OSS endpoint (path style; `<bucket>.<host>` also works).
    pub oss_endpoint: String,
    /// `http://127.0.0.1:PORT2`: the STS endpoint (AssumeRole at its root path).
    pub sts_endpoint: String,
    /// The region, `cn-hangzhou`.
    pub region: String,
    /// The default bucket, `ossdirect-dev`.
    pub bucket: String,
    /// The default RAM user's AccessKeyId.
    pub access_key_id: String,
    /// The default RAM user's AccessKeySecret.
    pub access_key_secret: String,
    /// The default role's ARN (`acs:ram::<account>:role/ossdirect-dev-role`).
    pub role_arn: String,
    /// The 16-digit account id.
    pub account_id: String,
    /// `GET` this for per-operation statistics.
    pub stats_url: String,
}

/// A running emulator: an OSS listener and an STS listener. Stops on [`Emulator::shutdown`] or
/// when dropped.
#[derive(Debug)]
pub struct Emulator {
    info: ReadyInfo,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// `http://host:port` for a bound address (an unspecified IP becomes loopback).
fn endpoint(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), EmulatorError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|e| EmulatorError::io("reading the bound address", e))?;
    Ok((listener, bound))
}

fn ready_info(
    directory: &Directory,
    oss: SocketAddr,
    sts: SocketAddr,
) -> Result<ReadyInfo, EmulatorError> {
    let missing = |what: &str| EmulatorError::State {
        path: "state.json".into(),
        message: format!("the default {what} is missing"),
    };
    let user = directory.default_user().ok_or_else(|| missing("user"))?;
    let role = directory.default_role().ok_or_else(|| missing("role"))?;
    let oss_endpoint = endpoint(oss);
    Ok(ReadyInfo {
        stats_url: format!("{oss_endpoint}/_emulator/stats"),
        oss_endpoint,
        sts_endpoint: endpoint(sts),
        region: directory.region.clone(),
        bucket: directory.default_bucket.clone(),
        access_key_id: user.access_key_id.clone(),
        access_key_secret: user.access_key_secret.clone(),
        role_arn: role.arn.clone(),
        account_id: directory.account_id.clone(),
    })
}

impl Emulator {
    /// Loads or creates the state in `data_dir`, binds both listeners and starts serving;
    /// returns once requests are accepted.
    pub async fn start(options: EmulatorOptions) -> Result<Emulator, EmulatorError> {
        options.validate()?;
        tokio::fs::create_dir_all(&options.data_dir)
            .await
            .map_err(|e| {
                EmulatorError::io(format!("creating {}", options.data_dir.display()), e)
            })?;
        // It holds the token key and the RAM secrets (state.json): its owner's only.
        fsutil::make_private(&options.data_dir, true)
            .await
            .map_err(|e| {
                EmulatorError::io(format!("making {} private", options.data_dir.display()), e)
            })?;
        let directory = Directory::load(&options.data_dir, options.config_file.as_deref()).await?;
        let storage = Storage::open(&options.data_dir, directory.buckets()).await?;
        let (oss_listener, oss_addr) = bind(options.listen).await?;
        let sts_wanted = options
            .sts_listen
            .unwrap_or_else(|| SocketAddr::new(options.listen.ip(), 0));
        let (sts_listener, sts_addr) = bind(sts_wanted).await?;
        let info = ready_info(&directory, oss_addr, sts_addr)?;
        let app = Arc::new(App {
            directory,
            storage,
            clock: Clock::new(options.clock_offset_seconds),
            stats: Stats::default(),
            faults: FaultInjector::new(options.faults.clone()),
            nonces: NonceCache::default(),
            sts_min_duration: options.sts_min_duration.unwrap_or(STS_MIN_DURATION),
            sts_max_lifetime: options.sts_max_lifetime,
            controls_enabled: options.is_loopback(),
            connections: Arc::default(),
            lenient_v1_oss_query: options.lenient_v1_oss_query,
        });
        let (shutdown, signal) = watch::channel(false);
        let limits = options.connection_limits;
        let counters = app.connections.clone();
        let tasks = vec![
            tokio::spawn(server::serve(
                oss_listener,
                oss::router(app.clone()),
                limits,
                counters.clone(),
                signal.clone(),
            )),
            tokio::spawn(server::serve(
                sts_listener,
                sts::router(app),
                limits,
                counters,
                signal,
            )),
        ];
        tracing::info!(oss = %info.oss_endpoint, sts = %info.sts_endpoint, "emulator ready");
        Ok(Emulator {
            info,
            shutdown,
            tasks,
        })
    }

    /// Endpoints, region, bucket and the default credentials.
    pub fn info(&self) -> &ReadyInfo {
        &self.info
    }

    /// Stops accepting connections and waits (a few seconds at most) for requests in flight.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
