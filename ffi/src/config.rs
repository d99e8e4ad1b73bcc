//! How a client is configured: a record the app fills in, converted to core's builder.

use std::time::Duration;

use ossdirect::{Client, ClientBuilder, Endpoint, RetryPolicy};

use crate::error::OssError;

/// How the bucket appears in request URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Addressing {
    /// Virtual-hosted, except for IP endpoints (path style).
    Auto,
    /// `bucket.host/key`.
    VirtualHosted,
    /// `host/bucket/key`.
    PathStyle,
    /// A custom domain bound to one bucket: `host/key`.
    Cname,
}

/// Which OSS signature to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureVersion {
    /// V1 (HMAC-SHA1), the official mobile SDKs' default.
    V1,
    /// V4 (HMAC-SHA256, region-scoped), the default.
    V4,
}

/// A client's settings. Only `region` is required.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ClientConfig {
    /// The region, e.g. `cn-hangzhou`.
    pub region: String,
    /// The endpoint URL (`https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000`); the
    /// region's public endpoint when absent.
    #[uniffi(default = None)]
    pub endpoint: Option<String>,
    /// Bucket addressing (default `Auto`).
    #[uniffi(default = None)]
    pub addressing: Option<Addressing>,
    /// V1 or V4 (default V4).
    #[uniffi(default = None)]
    pub signature_version: Option<SignatureVersion>,
    /// Connection timeout in milliseconds.
    #[uniffi(default = 10000)]
    pub connect_timeout_ms: u64,
    /// Longest wait for the next bytes of an answer, in milliseconds (a dead network is noticed
    /// within this time, never a hang).
    #[uniffi(default = 60000)]
    pub read_timeout_ms: u64,
    /// Attempts per request, the first included (1 disables retries).
    #[uniffi(default = 3)]
    pub retry_attempts: u32,
    /// Appended to the `User-Agent` (e.g. `MyApp/1.2`).
    #[uniffi(default = None)]
    pub user_agent_suffix: Option<String>,
    /// Where transfers keep their checkpoints (resumable across process restarts); transfers
    /// are not resumable without one.
    #[uniffi(default = None)]
    pub checkpoint_dir: Option<String>,
}

impl From<SignatureVersion> for ossdirect::SignatureVersion {
    fn from(v: SignatureVersion) -> Self {
        match v {
            SignatureVersion::V1 => Self::V1,
            SignatureVersion::V4 => Self::V4,
        }
    }
}

impl From<ossdirect::SignatureVersion> for SignatureVersion {
    fn from(v: ossdirect::SignatureVersion) -> Self {
        match v {
            ossdirect::SignatureVersion::V1 => Self::V1,
            _ => Self::V4,
        }
    }
}

impl From<Addressing> for ossdirect::Addressing {
    fn from(a: Addressing) -> Self {
        match a {
            Addressing::Auto => Self::Auto,
            Addressing::VirtualHosted => Self::VirtualHosted,
            Addressing::PathStyle => Self::PathStyle,
            Addressing::Cname => Self::Cname,
        }
    }
}

impl ClientConfig {
    /// The signature version in force (V4 unless set).
    pub(crate) fn version(&self) -> SignatureVersion {
        self.signature_version.unwrap_or(SignatureVersion::V4)
    }

    /// Core's builder with these settings (no credentials yet). Does no I/O.
    pub(crate) fn builder(&self) -> Result<ClientBuilder, OssError> {
        if self.retry_attempts == 0 {
            return Err(OssError::InvalidArgument {
                reason: "retry_attempts must be at least 1".into(),
            });
        }
        let mut builder = Client::builder(&self.region)
            .addressing(self.addressing.unwrap_or(Addressing::Auto).into())
            .signature_version(self.version().into())
            .connect_timeout(Duration::from_millis(self.connect_timeout_ms.max(1)))
            .read_timeout(Duration::from_millis(self.read_timeout_ms.max(1)))
            .retry_policy(RetryPolicy {
                max_attempts: self.retry_attempts,
                ..RetryPolicy::default()
            });
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint(Endpoint::parse(endpoint)?);
        }
        if let Some(suffix) = &self.user_agent_suffix {
            builder = builder.user_agent_suffix(suffix);
        }
        Ok(builder)
    }
}
