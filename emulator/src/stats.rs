//! Per-operation request statistics (a test control).
//!
//! Every request routed to an operation is counted, including the ones that are refused
//! (bad signature, access denied, injected faults); `bytes_received` counts request body bytes
//! actually read, `bytes_sent` the object bytes read for GetObject answers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

use crate::operation::Operation;

/// The counters of one operation.
#[derive(Debug, Default)]
pub(crate) struct OperationCounters {
    count: AtomicU64,
    bytes_received: AtomicU64,
    bytes_sent: AtomicU64,
}

impl OperationCounters {
    /// Adds body bytes read.
    pub(crate) fn add_bytes(&self, n: u64) {
        self.bytes_received.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds object bytes read for an answer's body.
    pub(crate) fn add_sent(&self, n: u64) {
        self.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }
}

/// Counters for every operation.
#[derive(Debug)]
pub(crate) struct Stats {
    operations: Vec<(Operation, Arc<OperationCounters>)>,
}

/// A snapshot of one operation's counters, as `GET /_emulator/stats` shows it.
#[derive(Serialize)]
struct CountersJson {
    count: u64,
    bytes_received: u64,
    bytes_sent: u64,
}

/// The `GET /_emulator/stats` document.
#[derive(Serialize)]
struct StatsJson {
    operations: BTreeMap<&'static str, CountersJson>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            operations: Operation::ALL
                .iter()
                .map(|op| (*op, Arc::default()))
                .collect(),
        }
    }
}

impl Stats {
    /// The counters of `operation`.
    pub(crate) fn counters(&self, operation: Operation) -> &OperationCounters {
        self.shared(operation)
    }

    /// The counters of `operation`, to keep beyond a request's handler (a streamed body).
    pub(crate) fn shared(&self, operation: Operation) -> &Arc<OperationCounters> {
        self.operations
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, c)| c)
            .unwrap_or_else(|| unreachable!("every operation has counters"))
    }

    /// Counts one request of `operation` and returns its counters (for the body bytes).
    pub(crate) fn record(&self, operation: Operation) -> &OperationCounters {
        let counters = self.counters(operation);
        counters.count.fetch_add(1, Ordering::Relaxed);
        counters
    }

    /// Sets every counter to zero.
    pub(crate) fn reset(&self) {
        for (_, c) in &self.operations {
            c.count.store(0, Ordering::Relaxed);
            c.bytes_received.store(0, Ordering::Relaxed);
            c.bytes_sent.store(0, Ordering::Relaxed);
        }
    }

    /// `{"operations": {"PutObject": {"count": n, "bytes_received": n, "bytes_sent": n}, ...}}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let doc = StatsJson {
            operations: self
                .operations
                .iter()
                .map(|(op, c)| {
                    (
                        op.name(),
                        CountersJson {
                            count: c.count.load(Ordering::Relaxed),
                            bytes_received: c.bytes_received.load(Ordering::Relaxed),
                            bytes_sent: c.bytes_sent.load(Ordering::Relaxed),
                        },
                    )
                })
                .collect(),
        };
        serde_json::to_value(doc).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let stats = Stats::default();
        stats.record(Operation::UploadPart).add_bytes(10);
        stats.record(Operation::UploadPart);
        let json = stats.to_json();
        assert_eq!(json["operations"]["UploadPart"]["count"], 2);
        assert_eq!(json["operations"]["UploadPart"]["bytes_received"], 10);
        assert_eq!(json["operations"]["UploadPart"]["bytes_sent"], 0);
        assert_eq!(json["operations"]["AssumeRole"]["count"], 0);
        stats.reset();
        assert_eq!(stats.to_json()["operations"]["UploadPart"]["count"], 0);
    }
}
