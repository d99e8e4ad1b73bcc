//! How an emulator is started.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use ossdirect_serve::ConnectionLimits;

use crate::error::EmulatorError;
use crate::faults::FaultRule;

/// Options of [`crate::Emulator::start`].
///
/// `sts_min_duration`, `sts_max_lifetime`, `clock_offset_seconds` and `faults` are *test controls*: they are refused
/// unless `listen` is a loopback address, so they can never weaken a shared server.
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// The OSS listener, e.g. `127.0.0.1:0` (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The STS listener; `None` = the OSS listener's IP with a free port.
    pub sts_listen: Option<SocketAddr>,
    /// Where state, objects and uploads are kept. Required.
    pub data_dir: PathBuf,
    /// A TOML file declaring extra buckets, users and roles (see the README).
    pub config_file: Option<PathBuf>,
    /// Test control: lowers the 900 s minimum `DurationSeconds` of `AssumeRole`.
    pub sts_min_duration: Option<u64>,
    /// Test control: issued STS credentials expire after at most this many seconds, whatever
    /// `DurationSeconds` asked for (so a token server's 900 s credentials expire in seconds).
    pub sts_max_lifetime: Option<u64>,
    /// Test control: the emulator's clock is the system clock plus this many seconds.
    pub clock_offset_seconds: i64,
    /// Test control: fault rules active from the start.
    pub faults: Vec<FaultRule>,
    /// Header-read (and keep-alive idle) timeout and connection cap of each listener.
    pub connection_limits: ConnectionLimits,
    /// Accepts V1 signatures (header or presigned URL) made without the request's `x-oss-*`
    /// query parameters, as the Python SDK v2's V1 signer makes them. Off by default: then a
    /// V1 presigned URL cannot be extended with unsigned `x-oss-process` or
    /// `x-oss-traffic-limit` parameters (V4 never allows it).
    pub lenient_v1_oss_query: bool,
}

impl Default for EmulatorOptions {
    /// `127.0.0.1:0`, no data directory (the caller must set one), no config, no test controls.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            sts_listen: None,
            data_dir: PathBuf::new(),
            config_file: None,
            sts_min_duration: None,
            sts_max_lifetime: None,
            clock_offset_seconds: 0,
            faults: Vec::new(),
            connection_limits: ConnectionLimits::default(),
            lenient_v1_oss_query: false,
        }
    }
}

impl EmulatorOptions {
    /// Whether the OSS listener is a loopback address (test controls are allowed).
    pub(crate) fn is_loopback(&self) -> bool {
        self.listen.ip().is_loopback()
    }

    /// Checks the options before anything is created.
    pub(crate) fn validate(&self) -> Result<(), EmulatorError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(EmulatorError::InvalidOptions(
                "data_dir must be set".to_owned(),
            ));
        }
        let controls = self.sts_min_duration.is_some()
            || self.sts_max_lifetime.is_some()
            || self.clock_offset_seconds != 0
            || !self.faults.is_empty();
        if controls && !self.is_loopback() {
            return Err(EmulatorError::InvalidOptions(format!(
                "test controls (sts_min_duration, sts_max_lifetime, clock offset, faults) need a \
                 loopback listen \
                 address, not {}",
                self.listen
            )));
        }
        if let Some(problem) = self.connection_limits.problems().first() {
            return Err(EmulatorError::InvalidOptions(format!(
                "connection_limits.{problem}"
            )));
        }
        if self.sts_max_lifetime == Some(0) {
            return Err(EmulatorError::InvalidOptions(
                "sts_max_lifetime must be at least 1 second".to_owned(),
            ));
        }
        if self.sts_min_duration == Some(0) {
            return Err(EmulatorError::InvalidOptions(
                "sts_min_duration must be at least 1 second".to_owned(),
            ));
        }
        Ok(())
    }
}
