//! Progress reports, delivered at a bounded rate.

use std::collections::BTreeMap;
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
    state: Mutex<State>,
}

struct State {
    /// Finished parts only.
    finished: Progress,
    /// Bytes sent so far of each part in flight.
    in_flight: BTreeMap<u32, u64>,
    last_report: Option<Instant>,
}

impl State {
    fn snapshot(&self) -> Progress {
        let partial: u64 = self.in_flight.values().sum();
        Progress {
            bytes_done: self.finished.bytes_done + partial,
            ..self.finished
        }
    }
}

impl ProgressReporter {
    pub(crate) fn new(
        callback: Option<ProgressCallback>,
        interval: Duration,
        start: Progress,
    ) -> Self {
        let state = State {
            finished: start,
            in_flight: BTreeMap::new(),
            last_report: None,
        };
        Self {
            callback,
            interval,
            state: Mutex::new(state),
        }
    }

    fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let report = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let force = change(&mut s);
            let due = s.last_report.is_none_or(|t| t.elapsed() >= self.interval);
            if force || due {
                s.last_report = Some(Instant::now());
                Some(s.snapshot())
            } else {
                None
            }
        };
        if let (Some(p), Some(cb)) = (report, &self.callback) {
            cb(p);
        }
    }

    /// `sent` bytes of part `number` are on their way or in (an upload part's retry starts again
    /// from 0; a download range continues).
    pub(crate) fn part_progress(&self, number: u32, sent: u64) {
        self.update(|s| {
            s.in_flight.insert(number, sent);
            false
        });
    }

    /// Part `number` of `bytes` finished; the last part's report is always delivered.
    pub(crate) fn part_done(&self, number: u32, bytes: u64) {
        super::events::emit(|| super::events::TransferEvent::PartFinished { number, bytes });
        self.update(|s| {
            s.in_flight.remove(&number);
            s.finished.bytes_done += bytes;
            s.finished.parts_done += 1;
            s.finished.parts_done >= s.finished.parts_total
        });
    }

    /// Reports the current state now (e.g. at the start of a resumed transfer).
    pub(crate) fn report_now(&self) {
        self.update(|_| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_parts_count_and_retries_start_over() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let r = ProgressReporter::new(
            Some(Arc::new(move |p: Progress| {
                sink.lock().unwrap().push(p.bytes_done)
            })),
            Duration::ZERO,
            Progress {
                bytes_total: 300,
                parts_total: 3,
                ..Default::default()
            },
        );
        r.part_progress(1, 50);
        r.part_progress(2, 70);
        r.part_progress(2, 0); // part 2 is retried
        r.part_done(1, 100);
        r.part_progress(2, 100);
        r.part_done(2, 100);
        r.part_done(3, 100);
        assert_eq!(*seen.lock().unwrap(), vec![50, 120, 50, 100, 200, 200, 300]);
    }

    #[test]
    fn reports_are_throttled_but_the_last_one_arrives() {
        let count = Arc::new(Mutex::new(0));
        let sink = count.clone();
        let r = ProgressReporter::new(
            Some(Arc::new(move |_| *sink.lock().unwrap() += 1)),
            Duration::from_secs(3600),
            Progress {
                bytes_total: 1000,
                parts_total: 10,
                ..Default::default()
            },
        );
        for n in 1..=10 {
            r.part_progress(n, 50);
            r.part_done(n, 100);
        }
        assert_eq!(*count.lock().unwrap(), 2, "the first and the final report");
    }
}
