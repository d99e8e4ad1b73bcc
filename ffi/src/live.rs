//! A count of the SDK objects alive, so leak tests in every language can read it.

use std::sync::atomic::{AtomicU64, Ordering};

static LIVE: AtomicU64 = AtomicU64::new(0);

/// Counts one object for as long as it lives.
#[derive(Debug)]
pub(crate) struct LiveToken(());

impl LiveToken {
    /// One more live object.
    pub(crate) fn new() -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for LiveToken {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many clients, credentials sources and transfers are alive in this process (for leak tests).
#[uniffi::export]
pub fn live_objects() -> u64 {
    LIVE.load(Ordering::Relaxed)
}
