//! Where a client's credentials come from: static ones, the app server's token endpoint, the
//! app's own async fetcher, or a remote signer. Every fetching source is wrapped in core's
//! refreshing cache (single flight, background refresh ahead of expiry).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use ossdirect::credentials::{RefreshPolicy, RefreshingProvider, TokenEndpointFetcher};
use ossdirect::signer::{SignatureSource, SigningEndpoint};
use ossdirect::{Credentials, CredentialsProvider, StaticProvider};

use crate::error::OssError;
use crate::live::LiveToken;
use crate::runtime::call_app;
use crate::signing::{ForeignSignatureSource, SignatureProvider};

/// A set of STS credentials, as the app's fetcher returns them.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct StsCredentials {
    /// `AccessKeyId` (`STS.…`).
    pub access_key_id: String,
    /// `AccessKeySecret`.
    pub access_key_secret: String,
    /// `SecurityToken`; absent for a permanent key.
    pub security_token: Option<String>,
    /// When they expire; absent when unknown (then refreshed hourly).
    pub expiration: Option<SystemTime>,
}

impl std::fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl From<StsCredentials> for Credentials {
    fn from(c: StsCredentials) -> Self {
        Credentials::new(c.access_key_id, c.access_key_secret)
            .with_security_token(c.security_token)
            .with_expiration(c.expiration.map(chrono::DateTime::<chrono::Utc>::from))
    }
}

/// The app's own way to get credentials (e.g. its authenticated HTTP stack). Called off the
/// main thread, at most once at a time; a throw, a hang past the timeout or a panic becomes
/// [`OssError::Credentials`].
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait CredentialsFetcher: Send + Sync {
    /// Fetches fresh credentials.
    async fn fetch(&self) -> Result<StsCredentials, OssError>;
}

/// HTTP method of a token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    /// GET (the official mobile SDKs' way).
    Get,
    /// POST.
    Post,
}

enum Kind {
    Provider(Arc<dyn CredentialsProvider>),
    Signer(Arc<dyn SignatureSource>),
}

/// Where a client's credentials come from. Build it with one of the constructors; it can be
/// shared by several clients (they then share the cached credentials).
#[derive(uniffi::Object)]
pub struct CredentialsSource {
    kind: Kind,
    _live: LiveToken,
}

impl std::fmt::Debug for CredentialsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Provider(p) => f.debug_tuple("CredentialsSource").field(p).finish(),
            Kind::Signer(s) => f.debug_tuple("CredentialsSource").field(s).finish(),
        }
    }
}

fn refresh_policy(refresh_before_secs: u64) -> RefreshPolicy {
    RefreshPolicy {
        refresh_before: Duration::from_secs(refresh_before_secs),
        ..RefreshPolicy::default()
    }
}

#[uniffi::export]
impl CredentialsSource {
    /// Fixed credentials (an STS set the app already has, or a key for tests).
    #[uniffi::constructor]
    pub fn static_credentials(
        access_key_id: String,
        access_key_secret: String,
        security_token: Option<String>,
    ) -> Arc<Self> {
        let credentials =
            Credentials::new(access_key_id, access_key_secret).with_security_token(security_token);
        Self::of(Kind::Provider(Arc::new(StaticProvider::new(credentials))))
    }

    /// The app server's token endpoint (GET unless `method` says otherwise): its JSON (the official mobile SDKs' format, raw STS
    /// `Credentials`, or `Code: "Success"`) is fetched with `method` and `headers` (e.g. the
    /// user's `Authorization`), refreshed `refresh_before_secs` before expiry.
    #[uniffi::constructor(default(method = None, refresh_before_secs = 300, timeout_ms = 10000, headers))]
    pub fn token_endpoint(
        url: String,
        method: Option<HttpMethod>,
        headers: HashMap<String, String>,
        refresh_before_secs: u64,
        timeout_ms: u64,
    ) -> Result<Arc<Self>, OssError> {
        let method = match method.unwrap_or(HttpMethod::Get) {
            HttpMethod::Get => ossdirect::client::Method::GET,
            HttpMethod::Post => ossdirect::client::Method::POST,
        };
        let fetcher = TokenEndpointFetcher::with_options(
            url,
            method,
            headers.into_iter().collect(),
            Duration::from_millis(timeout_ms.max(1)),
        )?;
        let provider =
            RefreshingProvider::with_policy(Arc::new(fetcher), refresh_policy(refresh_before_secs));
        Ok(Self::of(Kind::Provider(Arc::new(provider))))
    }

    /// The app's own fetcher, cached and refreshed `refresh_before_secs` before expiry; a fetch
    /// that takes longer than `timeout_ms` fails.
    #[uniffi::constructor(default(refresh_before_secs = 300, timeout_ms = 30000))]
    pub fn fetcher(
        fetcher: Arc<dyn CredentialsFetcher>,
        refresh_before_secs: u64,
        timeout_ms: u64,
    ) -> Arc<Self> {
        let adapter = ForeignFetcher {
            fetcher,
            timeout: Duration::from_millis(timeout_ms.max(1)),
        };
        let provider =
            RefreshingProvider::with_policy(Arc::new(adapter), refresh_policy(refresh_before_secs));
        Self::of(Kind::Provider(Arc::new(provider)))
    }

    /// Remote signing by the app's own code: the device never holds a secret.
    #[uniffi::constructor(default(timeout_ms = 30000))]
    pub fn remote_signer(signer: Arc<dyn SignatureProvider>, timeout_ms: u64) -> Arc<Self> {
        let source = ForeignSignatureSource::new(signer, Duration::from_millis(timeout_ms.max(1)));
        Self::of(Kind::Signer(Arc::new(source)))
    }

    /// Remote signing by the token server's `POST /sign`, sending `headers` (the user's
    /// `Authorization`) with each call.
    #[uniffi::constructor(default(timeout_ms = 10000, headers))]
    pub fn signing_endpoint(
        url: String,
        headers: HashMap<String, String>,
        timeout_ms: u64,
    ) -> Result<Arc<Self>, OssError> {
        let endpoint = SigningEndpoint::new(
            url,
            headers.into_iter().collect(),
            Duration::from_millis(timeout_ms.max(1)),
        )?;
        Ok(Self::of(Kind::Signer(Arc::new(endpoint))))
    }
}

impl CredentialsSource {
    fn of(kind: Kind) -> Arc<Self> {
        Arc::new(Self {
            kind,
            _live: LiveToken::new(),
        })
    }

    /// Gives core's builder these credentials (a provider, or a remote signer).
    pub(crate) fn apply(
        &self,
        builder: ossdirect::ClientBuilder,
        version: ossdirect::SignatureVersion,
        region: &str,
    ) -> ossdirect::ClientBuilder {
        match &self.kind {
            Kind::Provider(p) => builder.credentials_provider(p.clone()),
            Kind::Signer(s) => builder.signer(Arc::new(ossdirect::signer::RemoteSigner::new(
                version,
                region,
                s.clone(),
            ))),
        }
    }
}

/// Core's fetcher interface over the app's: bounded in time, panics and throws contained.
struct ForeignFetcher {
    fetcher: Arc<dyn CredentialsFetcher>,
    timeout: Duration,
}

impl std::fmt::Debug for ForeignFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignFetcher")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ossdirect::credentials::CredentialsFetcher for ForeignFetcher {
    fn fetch(&self) -> BoxFuture<'_, ossdirect::Result<Credentials>> {
        Box::pin(async move {
            call_app("the app's fetcher", self.timeout, self.fetcher.fetch())
                .await
                .map(Credentials::from)
                .map_err(ossdirect::Error::Credentials)
        })
    }
}
