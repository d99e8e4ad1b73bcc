//! Clock-skew correction: the server's `Date` tells how far the local clock is off.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// The largest offset learnt from a server's `Date`: 24 hours, enough for a device whose clock is
/// set in the wrong time zone. A `Date` further off is ignored (it would move every later
/// signature and presigned URL — a V1 URL's `Expires` — that far).
pub const MAX_CLOCK_OFFSET_SECONDS: i64 = 24 * 60 * 60;

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

    /// Learns the offset from a response's `Date` header value; returns whether it was learnt
    /// (it parsed, and is within [`MAX_CLOCK_OFFSET_SECONDS`] of the local clock).
    pub fn observe_server_date(&self, date: &str) -> bool {
        let Ok(server) = DateTime::parse_from_rfc2822(date) else {
            return false;
        };
        let offset = server.to_utc() - Utc::now();
        if offset.num_seconds().abs() > MAX_CLOCK_OFFSET_SECONDS {
            tracing::warn!(
                server_date = date,
                "ignoring a server Date more than 24 hours from the local clock"
            );
            return false;
        }
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_in(seconds: i64) -> String {
        (Utc::now() + chrono::Duration::seconds(seconds)).to_rfc2822()
    }

    #[test]
    fn offsets_beyond_a_day_are_ignored() {
        let clock = Clock::default();
        assert!(clock.observe_server_date(&date_in(3600)));
        assert!((clock.offset().num_seconds() - 3600).abs() <= 2);
        assert!(!clock.observe_server_date("Thu, 01 Jan 2099 00:00:00 GMT"));
        assert!(!clock.observe_server_date(&date_in(-MAX_CLOCK_OFFSET_SECONDS - 60)));
        assert!(!clock.observe_server_date("not a date"));
        assert!((clock.offset().num_seconds() - 3600).abs() <= 2);
        assert!(clock.observe_server_date(&date_in(-MAX_CLOCK_OFFSET_SECONDS + 60)));
    }
}
