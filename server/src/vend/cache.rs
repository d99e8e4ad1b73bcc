//! The credentials cache: one entry per (user, session policy), kept until the credentials
//! have no more than the refresh margin left, with one fetch per key in flight however many
//! requests wait for it.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use moka::future::Cache;
use moka::Expiry;
use ossdirect::Credentials;

use super::VendError;

/// What credentials are cached under: the user id and the session policy document.
pub type CacheKey = (String, String);

/// Where the credentials handed out came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// From the cache (including requests that waited for another request's fetch).
    Cache,
    /// This request's own fetch.
    Fetched,
}

/// Expires each entry when its credentials reach the margin.
struct UntilMargin {
    margin: chrono::Duration,
}

impl Expiry<CacheKey, Arc<Credentials>> for UntilMargin {
    fn expire_after_create(
        &self,
        _key: &CacheKey,
        value: &Arc<Credentials>,
        _created_at: Instant,
    ) -> Option<Duration> {
        let usable_for = value
            .expiration()
            .map(|e| e - self.margin - Utc::now())
            .and_then(|d| d.to_std().ok())
            .unwrap_or(Duration::ZERO);
        Some(usable_for)
    }
}

/// Caches credentials per key until `margin` before they expire.
#[derive(Clone)]
pub struct CredentialCache {
    cache: Cache<CacheKey, Arc<Credentials>>,
    margin: chrono::Duration,
}

impl std::fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialCache")
            .field("entries", &self.cache.entry_count())
            .field("margin", &self.margin)
            .finish()
    }
}

impl CredentialCache {
    /// A cache of at most `max_entries` keys whose credentials are handed out only while they
    /// have more than `margin` left.
    pub fn new(max_entries: u64, margin: Duration) -> Self {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
        Self {
            cache: Cache::builder()
                .max_capacity(max_entries)
                .expire_after(UntilMargin { margin })
                .build(),
            margin,
        }
    }

    fn fresh_enough(&self, c: &Credentials) -> bool {
        !c.expires_within(Utc::now(), self.margin) && c.expiration().is_some()
    }

    /// The cached credentials of `key`, or those `fetch` gets (one call of `fetch` per key at
    /// a time: concurrent callers wait for it and share its result, success or failure).
    ///
    /// Credentials with `margin` or less left are never returned: a fetch that yields such
    /// credentials fails with [`VendError::TooShort`].
    pub async fn get_or_fetch<F, Fut>(
        &self,
        key: CacheKey,
        fetch: F,
    ) -> Result<(Arc<Credentials>, Source), Arc<VendError>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Credentials, VendError>>,
    {
        // Twice at most: an entry found stale (the cache's clock and the wall clock can
        // disagree) is dropped and fetched again.
        for _ in 0..2 {
            let init = async {
                let c = fetch().await?;
                if self.fresh_enough(&c) {
                    Ok(Arc::new(c))
                } else {
                    let left = c.expiration().map(|e| (e - Utc::now()).num_seconds());
                    Err(VendError::TooShort { seconds_left: left })
                }
            };
            let entry = self
                .cache
                .entry(key.clone())
                .or_try_insert_with(init)
                .await?;
            let source = if entry.is_fresh() {
                Source::Fetched
            } else {
                Source::Cache
            };
            let credentials = entry.into_value();
            if self.fresh_enough(&credentials) {
                return Ok((credentials, source));
            }
            self.cache.invalidate(&key).await;
        }
        Err(Arc::new(VendError::TooShort { seconds_left: None }))
    }

    /// Removes every entry whose time has come (also done as a side effect of use).
    pub async fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn creds(seconds_left: i64) -> Credentials {
        Credentials::sts(
            "STS.id",
            "secret",
            "token",
            Some(Utc::now() + chrono::Duration::seconds(seconds_left)),
        )
    }

    fn key(user: &str) -> CacheKey {
        (user.to_owned(), "{}".to_owned())
    }

    #[tokio::test]
    async fn reuses_until_the_margin() {
        let cache = CredentialCache::new(10, Duration::from_secs(300));
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(creds(3600))
        };
        let (_, s1) = cache.get_or_fetch(key("a"), fetch).await.unwrap();
        let (_, s2) = cache.get_or_fetch(key("a"), fetch).await.unwrap();
        let (_, s3) = cache.get_or_fetch(key("b"), fetch).await.unwrap();
        assert_eq!(
            (s1, s2, s3),
            (Source::Fetched, Source::Cache, Source::Fetched)
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn entries_expire_at_the_margin() {
        // 2 s of caching: 302 s left, 300 s margin.
        let cache = CredentialCache::new(10, Duration::from_secs(300));
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(creds(302))
        };
        cache.get_or_fetch(key("a"), fetch).await.unwrap();
        cache.get_or_fetch(key("a"), fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (c, source) = cache.get_or_fetch(key("a"), fetch).await.unwrap();
        assert_eq!(source, Source::Fetched);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(!c.expires_within(Utc::now(), chrono::Duration::seconds(300)));
    }

    #[tokio::test]
    async fn too_short_credentials_are_never_handed_out() {
        let cache = CredentialCache::new(10, Duration::from_secs(300));
        let err = cache
            .get_or_fetch(key("a"), || async { Ok(creds(200)) })
            .await
            .unwrap_err();
        assert!(matches!(*err, VendError::TooShort { .. }), "{err}");
        let no_expiry = || async { Ok(Credentials::new("a", "b")) };
        assert!(cache.get_or_fetch(key("a"), no_expiry).await.is_err());
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_fetch() {
        let cache = CredentialCache::new(10, Duration::from_secs(300));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (cache, calls) = (cache.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                let fetch = || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(creds(3600))
                };
                cache.get_or_fetch(key("a"), fetch).await.map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_shared_and_not_cached() {
        let cache = CredentialCache::new(10, Duration::from_secs(300));
        let failing = || async { Err(VendError::Unavailable) };
        assert!(cache.get_or_fetch(key("a"), failing).await.is_err());
        let (_, source) = cache
            .get_or_fetch(key("a"), || async { Ok(creds(3600)) })
            .await
            .unwrap();
        assert_eq!(source, Source::Fetched);
    }
}
