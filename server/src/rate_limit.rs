//! The per-user rate limit: a token bucket (GCRA) per user id.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::RateLimitConfig;

/// Limits each user to a burst of requests, refilled at a steady rate.
pub struct UserRateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for UserRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRateLimiter")
            .field("enabled", &self.limiter.is_some())
            .field("users", &self.limiter.as_ref().map(|l| l.len()))
            .finish()
    }
}

impl UserRateLimiter {
    /// A limiter as configured (a disabled one lets everything through).
    pub fn new(config: &RateLimitConfig) -> Self {
        let quota = Duration::try_from_secs_f64(1.0 / config.per_second)
            .ok()
            .and_then(Quota::with_period)
            .zip(NonZeroU32::new(config.burst))
            .map(|(q, burst)| q.allow_burst(burst));
        let limiter = match quota {
            Some(q) if config.enabled => Some(DefaultKeyedRateLimiter::keyed(q)),
            _ => None,
        };
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if `user` may make a request now, else how long until it may.
    pub fn check(&self, user: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&user.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets users whose bucket is full again (keeps memory bounded by active users).
    pub fn purge(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, per_second: f64) -> UserRateLimiter {
        UserRateLimiter::new(&RateLimitConfig {
            enabled: true,
            burst,
            per_second,
        })
    }

    #[test]
    fn burst_then_refusal_per_user() {
        let l = limiter(3, 1.0);
        for _ in 0..3 {
            assert!(l.check("alice").is_ok());
        }
        let wait = l.check("alice").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(l.check("bob").is_ok());
    }

    #[test]
    fn the_default_burst_is_200() {
        let l = UserRateLimiter::new(&RateLimitConfig::default());
        assert!((0..200).all(|_| l.check("alice").is_ok()));
        assert!(l.check("alice").is_err());
    }

    #[test]
    fn disabled_lets_everything_through() {
        let l = UserRateLimiter::new(&RateLimitConfig {
            enabled: false,
            ..RateLimitConfig::default()
        });
        assert!((0..1000).all(|_| l.check("alice").is_ok()));
        l.purge();
    }
}
