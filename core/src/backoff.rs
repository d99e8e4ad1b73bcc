//! [`Backoff`]: how long to wait before the next attempt, the one formula of the SDK's request
//! retries and credential refreshes.

use std::time::Duration;

use rand::Rng;

/// How much of the pause is left to chance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Jitter {
    /// Uniform in `[0, cap]` ("full jitter"): requests of many clients spread out best.
    Full,
    /// Uniform in `[cap/2, cap]` ("equal jitter"): never much shorter than the cap, for a
    /// failure that should not be retried at once (a credentials fetch).
    Equal,
}

/// Exponential backoff: the cap of pause `n` (0-based) is `first · 2ⁿ`, at most `max`, and the
/// pause is drawn below it as `jitter` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The cap of the first pause.
    pub(crate) first: Duration,
    /// The largest cap.
    pub(crate) max: Duration,
    /// How the pause is drawn below the cap.
    pub(crate) jitter: Jitter,
}

impl Backoff {
    /// The cap of pause number `n` (0-based).
    pub(crate) fn cap(&self, n: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(n.min(30)))
            .min(self.max)
    }

    /// Pause number `n` (0-based), drawn at random below its cap.
    pub(crate) fn pause(&self, n: u32) -> Duration {
        let cap = self.cap(n);
        match self.jitter {
            Jitter::Full => {
                let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
                if nanos == 0 {
                    return Duration::ZERO;
                }
                Duration::from_nanos(rand::rng().random_range(0..=nanos))
            }
            Jitter::Equal => cap.mul_f64(rand::rng().random_range(0.5..=1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(jitter: Jitter) -> Backoff {
        Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_secs(20),
            jitter,
        }
    }

    #[test]
    fn caps_double_up_to_the_max() {
        let b = backoff(Jitter::Full);
        assert_eq!(b.cap(0), Duration::from_millis(200));
        assert_eq!(b.cap(3), Duration::from_millis(1600));
        assert_eq!(b.cap(40), Duration::from_secs(20));
    }

    #[test]
    fn pauses_stay_within_their_jitter() {
        for n in 0..40 {
            let full = backoff(Jitter::Full).pause(n);
            assert!(full <= backoff(Jitter::Full).cap(n));
            let equal = backoff(Jitter::Equal).pause(n);
            let cap = backoff(Jitter::Equal).cap(n);
            assert!(equal >= cap / 2 && equal <= cap, "{equal:?} of {cap:?}");
        }
    }
}
