//! The one public error type, mapped from [`ossdirect::Error`] in one place.

/// Everything that can go wrong, as Kotlin exceptions and Swift errors with typed fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum OssError {
    /// OSS answered with an error document.
    #[error("OSS answered {status} {code}: {reason} (request id {request_id})")]
    Service {
        /// HTTP status.
        status: u16,
        /// OSS error code, e.g. `AccessDenied`, `NoSuchKey`.
        code: String,
        /// The server's message.
        reason: String,
        /// `x-oss-request-id`, for support requests.
        request_id: String,
        /// `<HostId>`.
        host_id: String,
        /// `<EC>`, the detailed error code.
        ec: String,
    },
    /// The connection failed or broke.
    #[error("network error: {reason}")]
    Network {
        /// What happened.
        reason: String,
    },
    /// A request took longer than its timeout.
    #[error("timed out: {reason}")]
    Timeout {
        /// What timed out.
        reason: String,
    },
    /// No usable credentials could be had (the fetcher failed, threw, hung or panicked).
    #[error("credentials unavailable: {reason}")]
    Credentials {
        /// Why.
        reason: String,
    },
    /// A remote signer could not or would not sign.
    #[error("signing failed: {reason}")]
    Signing {
        /// Why.
        reason: String,
    },
    /// The bytes are not what the server says they are.
    #[error("{check} mismatch: expected {expected}, got {actual}")]
    Integrity {
        /// `crc64`, `md5` or `length`.
        check: String,
        /// What the other side reported.
        expected: String,
        /// What was computed here.
        actual: String,
    },
    /// An argument was rejected before anything was sent.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// Why.
        reason: String,
    },
    /// The server's answer could not be understood.
    #[error("unexpected response: {reason}")]
    InvalidResponse {
        /// What was wrong with it.
        reason: String,
    },
    /// A local file or descriptor could not be read or written.
    #[error("I/O error: {reason}")]
    Io {
        /// The file concerned, when known.
        path: Option<String>,
        /// What happened.
        reason: String,
    },
    /// The source is not what the transfer started with; it was not resumed.
    #[error("the source changed: {reason}")]
    SourceChanged {
        /// What differs.
        reason: String,
    },
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The transfer was paused; it can resume.
    #[error("paused")]
    Paused,
    /// A bug or an unexpected error thrown by app code (a panic is caught, never a crash).
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

#[uniffi::export]
impl OssError {
    /// Whether trying the same thing again later may succeed (network, timeouts, throttling,
    /// server errors, refused or expired credentials, damaged bytes, a pause).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service { status, code, .. } => {
                // Core's classification, so the app and the SDK's retry loop agree.
                let e = ossdirect::Error::Service(Box::new(ossdirect::ServiceError {
                    status: *status,
                    code: code.clone(),
                    ..Default::default()
                }));
                e.is_retryable() || e.is_credentials_rejected()
            }
            Self::Network { .. }
            | Self::Timeout { .. }
            | Self::Credentials { .. }
            | Self::Integrity { .. }
            | Self::InvalidResponse { .. }
            | Self::Paused => true,
            _ => false,
        }
    }
}

impl From<ossdirect::Error> for OssError {
    fn from(e: ossdirect::Error) -> Self {
        Self::from(&e)
    }
}

impl From<std::sync::Arc<ossdirect::Error>> for OssError {
    fn from(e: std::sync::Arc<ossdirect::Error>) -> Self {
        Self::from(e.as_ref())
    }
}

impl From<&ossdirect::Error> for OssError {
    /// The public form of a core error. A failed upload's context (the upload id kept on the
    /// server) is dropped: the bindings resume through the transfer's checkpoint, and the cause
    /// is what the app acts on.
    fn from(e: &ossdirect::Error) -> Self {
        use ossdirect::Error as E;
        let e = e.inner();
        let reason = e.to_string();
        match e {
            E::Service(s) => Self::Service {
                status: s.status,
                code: s.code.clone(),
                reason: s.message.clone(),
                request_id: s.request_id.clone(),
                host_id: s.host_id.clone(),
                ec: s.ec.clone(),
            },
            E::Network(d) => Self::Network {
                reason: d.to_string(),
            },
            E::Timeout(_) => Self::Timeout { reason },
            E::Credentials(d) => Self::Credentials {
                reason: d.to_string(),
            },
            E::Signing(d) => Self::Signing {
                reason: d.to_string(),
            },
            E::Integrity {
                check,
                expected,
                actual,
            } => Self::Integrity {
                check: format!("{check:?}").to_ascii_lowercase(),
                expected: expected.clone(),
                actual: actual.clone(),
            },
            E::InvalidArgument(r) => Self::InvalidArgument { reason: r.clone() },
            E::InvalidResponse(d) => Self::InvalidResponse {
                reason: d.to_string(),
            },
            E::Io(_) => Self::Io { path: None, reason },
            E::Cancelled => Self::Cancelled,
            E::Paused => Self::Paused,
            E::SourceChanged(r) => Self::SourceChanged { reason: r.clone() },
            E::ResponseTooLarge { .. } => Self::InvalidResponse { reason },
            // Core's error is non-exhaustive: a variant added later still reaches the app, whole.
            _ => Self::Internal { reason },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for OssError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal {
            reason: format!("app callback failed: {}", e.reason),
        }
    }
}
