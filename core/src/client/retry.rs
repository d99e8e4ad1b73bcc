//! The retry policy: which failures are retried, and how long to wait between attempts.

use std::time::Duration;

use crate::backoff::{Backoff, Jitter};
use crate::error::Error;

/// Full-jitter exponential backoff, as the official V2 SDKs do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The backoff cap of the first retry; doubles each retry.
    pub base_delay: Duration,
    /// The largest backoff cap.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The pause before retry number `retry` (0-based): uniform in `[0, min(base·2^retry, max)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        Backoff {
            first: self.base_delay,
            max: self.max_delay,
            jitter: Jitter::Full,
        }
        .pause(retry)
    }

    /// Whether an error is worth another attempt: [`Error::is_retryable`].
    pub fn is_retryable(error: &Error) -> bool {
        error.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServiceError;

    fn service(status: u16, code: &str) -> Error {
        Error::Service(Box::new(ServiceError {
            status,
            code: code.into(),
            ..Default::default()
        }))
    }

    #[test]
    fn classification() {
        assert!(RetryPolicy::is_retryable(&service(
            503,
            "ServiceUnavailable"
        )));
        assert!(RetryPolicy::is_retryable(&service(429, "Throttling")));
        assert!(RetryPolicy::is_retryable(&service(
            403,
            "RequestTimeTooSkewed"
        )));
        assert!(RetryPolicy::is_retryable(&service(400, "InvalidDigest")));
        assert!(!RetryPolicy::is_retryable(&service(403, "AccessDenied")));
        assert!(!RetryPolicy::is_retryable(&service(404, "NoSuchKey")));
        assert!(RetryPolicy::is_retryable(&Error::Network("reset".into())));
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            assert!(p.backoff(retry) <= Duration::from_secs(20));
        }
        assert!(p.backoff(0) <= Duration::from_millis(200));
    }
}
