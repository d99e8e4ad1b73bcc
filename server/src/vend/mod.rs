//! Vending credentials: STS `AssumeRole` for a user's session policy, behind the cache.

mod cache;

use std::sync::Arc;
use std::time::Duration;

pub use cache::{CacheKey, CredentialCache, Source};
use ossdirect::sts::{AssumeRoleRequest, StsClient};
use ossdirect::Credentials;

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::policy::UserPolicy;
use crate::user::UserId;

/// Why no credentials could be vended. `Display` is for logs; callers only see
/// [`VendError::public_message`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VendError {
    /// STS answered with an error.
    #[error("STS refused AssumeRole: HTTP {status} {code} (request id {request_id})")]
    Refused {
        /// HTTP status of STS's answer.
        status: u16,
        /// STS's error code, e.g. `NoPermission`.
        code: String,
        /// STS's request id.
        request_id: String,
    },
    /// STS could not be reached or did not answer in time.
    #[error("STS unreachable")]
    Unavailable,
    /// STS's answer could not be understood.
    #[error("STS answered something unexpected")]
    InvalidResponse,
    /// The credentials STS gave have no more than the refresh margin left.
    #[error("STS credentials have too little time left ({seconds_left:?} s)")]
    TooShort {
        /// Seconds the credentials had left, if they expire.
        seconds_left: Option<i64>,
    },
}

impl VendError {
    /// What the caller is told: the STS error code at most, never STS's message.
    pub fn public_message(&self) -> String {
        match self {
            Self::Refused { code, .. } => format!("STS AssumeRole failed ({code})"),
            Self::Unavailable => "STS AssumeRole failed (STS unreachable)".to_owned(),
            Self::InvalidResponse => "STS AssumeRole failed (unexpected answer)".to_owned(),
            Self::TooShort { .. } => {
                "STS AssumeRole failed (credentials shorter than the refresh margin)".to_owned()
            }
        }
    }
}

impl From<ossdirect::Error> for VendError {
    fn from(e: ossdirect::Error) -> Self {
        match e {
            ossdirect::Error::Service(s) => Self::Refused {
                status: s.status,
                code: s.code,
                request_id: s.request_id,
            },
            ossdirect::Error::Network(_) | ossdirect::Error::Timeout(_) => Self::Unavailable,
            _ => Self::InvalidResponse,
        }
    }
}

/// Hands out each user's STS credentials, from the cache or from one `AssumeRole` call.
#[derive(Debug)]
pub struct Vendor {
    sts: StsClient,
    role_arn: String,
    duration_seconds: u64,
    external_id: Option<String>,
    cache: CredentialCache,
    metrics: Arc<Metrics>,
}

impl Vendor {
    /// A vendor calling the STS of `config` as `caller` (the RAM user's AccessKey).
    pub fn new(
        config: &ServerConfig,
        caller: Credentials,
        metrics: Arc<Metrics>,
    ) -> ossdirect::Result<Self> {
        let endpoint = config.sts_endpoint().unwrap_or_default();
        let sts = StsClient::new(
            endpoint,
            caller,
            Duration::from_secs(config.sts.timeout_seconds),
        )?;
        Ok(Self {
            sts,
            role_arn: config.sts.role_arn.clone(),
            duration_seconds: config.sts.duration_seconds,
            external_id: config.sts.external_id.clone(),
            cache: CredentialCache::new(
                config.cache.max_entries,
                Duration::from_secs(config.cache.refresh_margin_seconds),
            ),
            metrics,
        })
    }

    /// The credentials cache (for housekeeping).
    pub fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    async fn assume_role(
        &self,
        user: &UserId,
        policy: &UserPolicy,
    ) -> Result<Credentials, VendError> {
        let request = AssumeRoleRequest {
            role_arn: self.role_arn.clone(),
            role_session_name: user.session_name(),
            duration_seconds: self.duration_seconds,
            policy: Some(policy.document().to_owned()),
            external_id: self.external_id.clone(),
        };
        self.metrics.sts_calls.inc();
        let started = std::time::Instant::now();
        match self.sts.assume_role(&request).await {
            Ok(answer) => {
                tracing::info!(
                    user = %user,
                    session = %request.role_session_name,
                    request_id = %answer.request_id,
                    expiration = ?answer.credentials.expiration(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "STS AssumeRole succeeded"
                );
                Ok(answer.credentials)
            }
            Err(e) => {
                self.metrics.sts_failures.inc();
                let error = VendError::from(e);
                tracing::warn!(user = %user, error = %error, "STS AssumeRole failed");
                Err(error)
            }
        }
    }

    /// `user`'s credentials under `policy`, with more than the refresh margin left.
    pub async fn credentials(
        &self,
        user: &UserId,
        policy: &UserPolicy,
    ) -> Result<Arc<Credentials>, Arc<VendError>> {
        let key: CacheKey = (user.as_str().to_owned(), policy.document().to_owned());
        let (credentials, source) = self
            .cache
            .get_or_fetch(key, || self.assume_role(user, policy))
            .await?;
        match source {
            Source::Cache => self.metrics.cache_hits.inc(),
            Source::Fetched => self.metrics.cache_misses.inc(),
        };
        Ok(credentials)
    }
}
