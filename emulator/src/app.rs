//! The state every request handler shares.

use std::sync::Arc;

use ossdirect_serve::ConnectionCounters;

use crate::clock::Clock;
use crate::faults::FaultInjector;
use crate::identity::Directory;
use crate::stats::Stats;
use crate::storage::Storage;
use crate::sts::NonceCache;

/// The smallest `DurationSeconds` STS accepts unless a test lowers it.
pub(crate) const STS_MIN_DURATION: u64 = 900;

/// Everything the OSS and STS front ends share.
#[derive(Debug)]
pub(crate) struct App {
    /// Account, buckets, users, roles, token key.
    pub(crate) directory: Directory,
    /// Objects and uploads.
    pub(crate) storage: Storage,
    /// The emulator's (offset) clock.
    pub(crate) clock: Clock,
    /// Per-operation counters.
    pub(crate) stats: Stats,
    /// Active fault rules.
    pub(crate) faults: FaultInjector,
    /// STS signature nonces seen recently.
    pub(crate) nonces: NonceCache,
    /// The smallest `DurationSeconds` accepted.
    pub(crate) sts_min_duration: u64,
    /// The longest lifetime of issued credentials (a test control), if capped.
    pub(crate) sts_max_lifetime: Option<u64>,
    /// Whether the `/_emulator/` control endpoints answer (loopback listeners only).
    pub(crate) controls_enabled: bool,
    /// Whether V1 signatures made without the `x-oss-*` query parameters are accepted (the
    /// Python SDK v2's V1 signer); see [`crate::EmulatorOptions::lenient_v1_oss_query`].
    pub(crate) lenient_v1_oss_query: bool,
    /// Connections of both listeners (open, accepted, timed out, waits at the cap).
    pub(crate) connections: Arc<ConnectionCounters>,
}
