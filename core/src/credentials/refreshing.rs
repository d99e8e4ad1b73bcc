//! The credentials cache wrapped around every fetching source: refresh ahead of expiry in the
//! background, exactly one fetch in flight, backoff after failures while the old credentials keep
//! being served until they really expire.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::future::{BoxFuture, FutureExt, Shared};

use super::{Credentials, CredentialsProvider};
use crate::backoff::{Backoff, Jitter};
use crate::error::{Detail, Error, Result};

/// Something that fetches fresh credentials (the app server's token endpoint, or the app's own
/// code). Wrap it in a [`RefreshingProvider`] for caching.
pub trait CredentialsFetcher: Send + Sync + std::fmt::Debug {
    /// Fetches a new set of credentials.
    fn fetch(&self) -> BoxFuture<'_, Result<Credentials>>;
}

/// Settings of a [`RefreshingProvider`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh this long before expiry (default 300 s, as the official mobile SDKs).
    pub refresh_before: Duration,
    /// First pause after a failed fetch; doubles per failure, drawn between half and all of it
    /// (default 1 s).
    pub min_backoff: Duration,
    /// Longest pause after failed fetches (default 60 s).
    pub max_backoff: Duration,
    /// Credentials are never considered fresh for more than this long without an expiry (default 1 h).
    pub max_age_without_expiry: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            refresh_before: Duration::from_secs(300),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_age_without_expiry: Duration::from_secs(3600),
        }
    }
}

/// The outcome of a fetch, shared by every request waiting for it.
type FetchResult = std::result::Result<Credentials, Arc<Error>>;

type SharedFetch = Shared<BoxFuture<'static, FetchResult>>;

#[derive(Default)]
struct State {
    current: Option<Credentials>,
    fetched_at: Option<Instant>,
    in_flight: Option<SharedFetch>,
    failures: u32,
    retry_after: Option<Instant>,
    last_error: Option<Arc<Error>>,
}

struct Inner {
    fetcher: Arc<dyn CredentialsFetcher>,
    policy: RefreshPolicy,
    state: Mutex<State>,
}

/// Caches what a [`CredentialsFetcher`] returns and refreshes it ahead of expiry.
///
/// - Valid credentials are served at once; within `refresh_before` of expiry a background
///   refresh starts while the old ones keep being served.
/// - However many requests wait, one fetch is in flight.
/// - A failed fetch is retried after a jittered, growing pause; meanwhile the old credentials
///   are served until they really expire.
/// - `invalidate` (the server refused the credentials) forces a fetch on the next request.
#[derive(Clone)]
pub struct RefreshingProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RefreshingProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshingProvider")
            .field("fetcher", &self.inner.fetcher)
            .field("policy", &self.inner.policy)
            .finish()
    }
}

impl RefreshPolicy {
    /// The pauses after failed fetches: never much shorter than their cap, so a failing
    /// endpoint is not asked again at once.
    fn backoff(&self) -> Backoff {
        Backoff {
            first: self.min_backoff,
            max: self.max_backoff,
            jitter: Jitter::Equal,
        }
    }
}

impl RefreshingProvider {
    /// Caches `fetcher`'s credentials with the default policy.
    pub fn new(fetcher: Arc<dyn CredentialsFetcher>) -> Self {
        Self::with_policy(fetcher, RefreshPolicy::default())
    }

    /// Caches `fetcher`'s credentials with `policy`.
    pub fn with_policy(fetcher: Arc<dyn CredentialsFetcher>, policy: RefreshPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                fetcher,
                policy,
                state: Mutex::new(State::default()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `c` can still sign (not expired; without expiry: not older than the max age).
    fn usable(&self, c: &Credentials, fetched_at: Option<Instant>) -> bool {
        match c.expiration() {
            Some(exp) => exp > Utc::now(),
            None => {
                fetched_at.is_some_and(|t| t.elapsed() < self.inner.policy.max_age_without_expiry)
            }
        }
    }

    fn wants_refresh(&self, c: &Credentials, fetched_at: Option<Instant>) -> bool {
        let margin = self.inner.policy.refresh_before;
        match c.expiration() {
            Some(_) => c.expires_within(
                Utc::now(),
                chrono::Duration::from_std(margin).unwrap_or_default(),
            ),
            None => fetched_at
                .is_none_or(|t| t.elapsed() + margin >= self.inner.policy.max_age_without_expiry),
        }
    }

    /// The fetch in flight, or a new one if allowed now (`None` while backing off).
    fn fetch_in_flight(&self, state: &mut State) -> Option<SharedFetch> {
        if let Some(f) = &state.in_flight {
            return Some(f.clone());
        }
        if state.retry_after.is_some_and(|t| Instant::now() < t) {
            return None;
        }
        let this = self.clone();
        let fetch: BoxFuture<'static, FetchResult> = async move {
            let result = this.inner.fetcher.fetch().await;
            this.record(result)
        }
        .boxed();
        let shared = fetch.shared();
        state.in_flight = Some(shared.clone());
        Some(shared)
    }

    fn record(&self, result: Result<Credentials>) -> FetchResult {
        let mut state = self.lock();
        state.in_flight = None;
        match result {
            Ok(c) => {
                state.current = Some(c.clone());
                state.fetched_at = Some(Instant::now());
                state.failures = 0;
                state.retry_after = None;
                state.last_error = None;
                tracing::debug!(credentials = %c, "credentials refreshed");
                Ok(c)
            }
            Err(e) => {
                let pause = self.inner.policy.backoff().pause(state.failures);
                state.failures += 1;
                state.retry_after = Some(Instant::now() + pause);
                tracing::warn!(error = %e, ?pause, "credentials fetch failed");
                let e = Arc::new(e);
                state.last_error = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// The error while fetches back off after `last_error`.
fn backing_off(last_error: Option<Arc<Error>>) -> Error {
    let detail = match last_error {
        Some(e) => Detail::caused_by(
            format!("no valid credentials; the last fetch failed ({e}) and is retried shortly"),
            e,
        ),
        None => Detail::new(
            "no valid credentials; the last fetch failed (unknown error) and is retried shortly",
        ),
    };
    Error::Credentials(detail)
}

impl CredentialsProvider for RefreshingProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move {
            let wait = {
                let mut state = self.lock();
                let fetched_at = state.fetched_at;
                match state.current.clone() {
                    Some(c) if self.usable(&c, fetched_at) => {
                        if self.wants_refresh(&c, fetched_at) {
                            if let Some(f) = self.fetch_in_flight(&mut state) {
                                // Drive the refresh in the background; this request goes on now.
                                tokio::spawn(f);
                            }
                        }
                        return Ok(c);
                    }
                    _ => match self.fetch_in_flight(&mut state) {
                        Some(f) => f,
                        None => return Err(backing_off(state.last_error.clone())),
                    },
                }
            };
            wait.await
                .map_err(|e| Error::Credentials(Detail::caused_by(e.to_string(), e)))
        })
    }

    fn invalidate(&self) {
        let mut state = self.lock();
        // Requests signed with the old credentials may report refusals after a refresh already
        // happened; ignore those for a moment instead of discarding the fresh credentials.
        if state
            .fetched_at
            .is_some_and(|t| t.elapsed() < Duration::from_secs(2))
        {
            return;
        }
        state.current = None;
        state.retry_after = None;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[derive(Debug)]
    struct Counting {
        calls: AtomicU32,
        lifetime: chrono::Duration,
        fail: bool,
        delay: Duration,
    }

    impl CredentialsFetcher for Counting {
        fn fetch(&self) -> BoxFuture<'_, Result<Credentials>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(self.delay).await;
                if self.fail {
                    return Err(Error::Credentials("endpoint down".into()));
                }
                Ok(Credentials::sts(
                    format!("STS.{n}"),
                    "s",
                    "t",
                    Some(Utc::now() + self.lifetime),
                ))
            })
        }
    }

    fn counting(lifetime_s: i64, fail: bool, delay_ms: u64) -> Arc<Counting> {
        Arc::new(Counting {
            calls: AtomicU32::new(0),
            lifetime: chrono::Duration::seconds(lifetime_s),
            fail,
            delay: Duration::from_millis(delay_ms),
        })
    }

    #[tokio::test]
    async fn one_fetch_for_many_waiters() {
        let f = counting(3600, false, 50);
        let p = RefreshingProvider::new(f.clone());
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(
                    async move { p.credentials().await.map(|c| c.access_key_id().to_owned()) },
                )
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "STS.1");
        }
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_in_the_background_while_serving_the_old() {
        // Lifetime 200 s < refresh_before 300 s: every call wants a refresh.
        let f = counting(200, false, 100);
        let p = RefreshingProvider::new(f.clone());
        assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.1");
        // Served at once (the refresh takes 100 ms), and only one refresh starts.
        for _ in 0..10 {
            assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.1");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(f.calls.load(Ordering::SeqCst), 2);
        assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.2");
    }

    #[tokio::test]
    async fn failures_back_off_and_say_why() {
        let f = counting(3600, true, 0);
        let p = RefreshingProvider::new(f.clone());
        let e = p.credentials().await.unwrap_err();
        assert!(e.to_string().contains("endpoint down"), "{e}");
        // Within the backoff no new fetch happens.
        let e = p.credentials().await.unwrap_err();
        assert!(e.to_string().contains("retried shortly"), "{e}");
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);
    }

    /// Fails every fetch after the first.
    #[derive(Debug)]
    struct FailsAfterFirst(AtomicU32);

    impl CredentialsFetcher for FailsAfterFirst {
        fn fetch(&self) -> BoxFuture<'_, Result<Credentials>> {
            Box::pin(async move {
                if self.0.fetch_add(1, Ordering::SeqCst) > 0 {
                    return Err(Error::Credentials("endpoint down".into()));
                }
                // Valid for 100 s: inside the 300 s refresh window from the start.
                Ok(Credentials::sts(
                    "STS.old",
                    "s",
                    "t",
                    Some(Utc::now() + chrono::Duration::seconds(100)),
                ))
            })
        }
    }

    #[tokio::test]
    async fn failed_refreshes_keep_serving_the_still_valid_credentials() {
        let f = Arc::new(FailsAfterFirst(AtomicU32::new(0)));
        let p = RefreshingProvider::with_policy(
            f.clone(),
            RefreshPolicy {
                min_backoff: Duration::from_millis(10),
                ..Default::default()
            },
        );
        for _ in 0..20 {
            assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.old");
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        let fetches = f.0.load(Ordering::SeqCst);
        // Background refreshes were tried (with backoff), and none broke a request.
        assert!((2..20).contains(&fetches), "{fetches} fetches");
    }

    #[tokio::test]
    async fn invalidate_forces_a_fetch() {
        let f = counting(3600, false, 0);
        let p = RefreshingProvider::new(f.clone());
        p.credentials().await.unwrap();
        p.invalidate(); // within 2 s of the fetch: ignored
        assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.1");
        p.lock().fetched_at = Some(Instant::now() - Duration::from_secs(5));
        p.invalidate();
        assert_eq!(p.credentials().await.unwrap().access_key_id(), "STS.2");
    }
}
