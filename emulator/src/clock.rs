//! The emulator's clock: the system clock plus an adjustable offset (a test control).

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// System time shifted by an offset in seconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// A clock `offset_seconds` ahead of the system clock (behind if negative).
    pub(crate) fn new(offset_seconds: i64) -> Self {
        Self {
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    /// The emulator's current time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds())
    }

    /// The current offset in seconds.
    pub(crate) fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Changes the offset.
    pub(crate) fn set_offset_seconds(&self, offset: i64) {
        self.offset_seconds.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_shifts_time() {
        let clock = Clock::new(3600);
        let delta = clock.now() - Utc::now();
        assert!((delta.num_seconds() - 3600).abs() <= 1);
        clock.set_offset_seconds(-60);
        assert_eq!(clock.offset_seconds(), -60);
    }
}
