//! Clock-skew correction: the server's `Date` tells how far the local clock is off.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// The offset (server − local) in milliseconds, learnt from responses.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The server's current time as best known.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// The current offset (server − local).
    pub fn offset(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Learns the offset from a response's `Date` header value; returns whether it parsed.
    pub fn observe_server_date(&self, date: &str) -> bool {
        match DateTime::parse_from_rfc2822(date) {
            Ok(server) => {
                let offset = server.to_utc() - Utc::now();
                self.offset_ms
                    .store(offset.num_milliseconds(), Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }
}
