//! The retry policy (which failures are retried, how long to wait between attempts) and the
//! retry state of one operation.

use std::time::Duration;

use super::Client;
use crate::backoff::{Backoff, Jitter};
use crate::error::{Error, Result};

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

/// What an operation's failed attempts have used of the retry policy: backoff between attempts,
/// an immediate retry after the clock was corrected, and one extra attempt with refreshed
/// credentials when the server refused them.
///
/// Driven by a loop (`match attempt(&mut state).await { Ok(v) => break v, Err(e) =>
/// retries.after(e).await? }`) rather than by a closure, so an attempt can borrow state mutably
/// across attempts (a download range's writer) and its futures stay `Send` for `tokio::spawn`.
pub(crate) struct Retries<'a> {
    client: &'a Client,
    attempts: u32,
    refreshed_credentials: bool,
}

impl<'a> Retries<'a> {
    /// No attempt failed yet.
    pub(crate) fn new(client: &'a Client) -> Self {
        Self {
            client,
            attempts: 0,
            refreshed_credentials: false,
        }
    }

    /// After a failed attempt: `Ok(())` once it is time to try again, or the error when the
    /// policy gives up (not retryable, or out of attempts).
    pub(crate) async fn after(&mut self, error: Error) -> Result<()> {
        self.attempts += 1;
        if error.is_credentials_rejected() && !self.refreshed_credentials {
            self.refreshed_credentials = true;
            tracing::debug!(code = ?error.code(), "credentials refused; refreshing once");
            crate::transfer::emit_event(|| crate::transfer::TransferEvent::CredentialsRefreshed);
            self.client.inner.signer.invalidate();
            self.attempts -= 1;
            return Ok(());
        }
        let retry = &self.client.inner.config.retry;
        if self.attempts >= retry.max_attempts || !RetryPolicy::is_retryable(&error) {
            return Err(error);
        }
        let pause = if error.is_clock_skew() {
            Duration::ZERO // the clock was corrected; retry at once
        } else {
            retry.backoff(self.attempts - 1)
        };
        tracing::debug!(%error, attempt = self.attempts, ?pause, "retrying");
        crate::transfer::emit_event(|| crate::transfer::TransferEvent::Retrying {
            attempt: self.attempts,
            reason: error.to_string(),
            delay: pause,
        });
        tokio::time::sleep(pause).await;
        Ok(())
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
