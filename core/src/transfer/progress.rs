//! Progress reports, delivered at a bounded rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where a transfer stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes transferred (including those of earlier runs of a resumed transfer).
    pub bytes_done: u64,
    /// Bytes in total.
    pub bytes_total: u64,
    /// Parts finished.
    pub parts_done: u32,
    /// Parts in total (1 for a single request).
    pub parts_total: u32,
}

/// Receives progress reports.
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Throttles reports to one per `interval`, always delivering the final one.
pub(crate) struct ProgressReporter {
    callback: Option<ProgressCallback>,
    interval: Duration,
    state: Mutex<(Progress, Option<Instant>)>,
}

impl ProgressReporter {
    pub(crate) fn new(
        callback: Option<ProgressCallback>,
        interval: Duration,
        start: Progress,
    ) -> Self {
        Self {
            callback,
            interval,
            state: Mutex::new((start, None)),
        }
    }

    /// Adds a finished part of `bytes` and reports if due.
    pub(crate) fn part_done(&self, bytes: u64) {
        let report = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.0.bytes_done += bytes;
            s.0.parts_done += 1;
            let finished = s.0.parts_done >= s.0.parts_total;
            let due = s.1.is_none_or(|t| t.elapsed() >= self.interval);
            if finished || due {
                s.1 = Some(Instant::now());
                Some(s.0)
            } else {
                None
            }
        };
        if let (Some(p), Some(cb)) = (report, &self.callback) {
            cb(p);
        }
    }

    /// Reports the current state now (e.g. at the start of a resumed transfer).
    pub(crate) fn report_now(&self) {
        let p = self.state.lock().unwrap_or_else(|p| p.into_inner()).0;
        if let Some(cb) = &self.callback {
            cb(p);
        }
    }
}
