//! Replay protection: a signature nonce may be used once per AccessKey within 15 minutes.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long a nonce is remembered (the clock window).
const REMEMBER_SECONDS: i64 = 15 * 60;

/// Nonces seen recently, with when they may be forgotten.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: Mutex<HashMap<(String, String), i64>>,
}

impl NonceCache {
    /// Records the nonce; `false` if it was already used within the window.
    pub(crate) fn first_use(&self, access_key_id: &str, nonce: &str, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, forget_at| *forget_at > now);
        let key = (access_key_id.to_owned(), nonce.to_owned());
        if seen.contains_key(&key) {
            return false;
        }
        seen.insert(key, now + REMEMBER_SECONDS);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_window() {
        let cache = NonceCache::default();
        assert!(cache.first_use("ak", "n1", 0));
        assert!(!cache.first_use("ak", "n1", 10));
        assert!(cache.first_use("other", "n1", 10));
        assert!(cache.first_use("ak", "n1", REMEMBER_SECONDS + 1));
    }
}
