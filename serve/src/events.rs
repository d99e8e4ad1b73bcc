//! What happens to connections, reported to the embedding server (metrics, statistics).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Receives connection events. Every method defaults to doing nothing.
pub trait ConnectionEvents: Send + Sync + 'static {
    /// A connection was accepted.
    fn opened(&self) {}
    /// A connection was closed (for whatever reason).
    fn closed(&self) {}
    /// A connection was closed because it sent no whole request head in time (slow or idle).
    fn header_timeout(&self) {}
    /// The cap was reached: the next connection waits until one closes.
    fn limit_reached(&self) {}
}

/// [`ConnectionEvents`] counted in atomics (what the emulator shows in its statistics).
#[derive(Debug, Default)]
pub struct ConnectionCounters {
    open: AtomicU64,
    accepted: AtomicU64,
    header_timeouts: AtomicU64,
    limit_reached: AtomicU64,
}

/// A copy of [`ConnectionCounters`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CountersSnapshot {
    /// Connections open now.
    pub open: u64,
    /// Connections accepted since the start.
    pub accepted: u64,
    /// Connections closed by the header-read (idle) timeout.
    pub header_timeouts: u64,
    /// Times the connection cap made a new connection wait.
    pub limit_reached: u64,
}

impl ConnectionCounters {
    /// The counters now.
    pub fn snapshot(&self) -> CountersSnapshot {
        CountersSnapshot {
            open: self.open.load(Ordering::Relaxed),
            accepted: self.accepted.load(Ordering::Relaxed),
            header_timeouts: self.header_timeouts.load(Ordering::Relaxed),
            limit_reached: self.limit_reached.load(Ordering::Relaxed),
        }
    }
}

impl ConnectionEvents for ConnectionCounters {
    fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    fn header_timeout(&self) {
        self.header_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    fn limit_reached(&self) {
        self.limit_reached.fetch_add(1, Ordering::Relaxed);
    }
}
