//! The one error type of the SDK.

use std::time::Duration;

/// Result with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answered by OSS (or the emulator): the parsed `<Error>` document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// OSS error code, e.g. `NoSuchKey`, `SignatureDoesNotMatch`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// `x-oss-request-id` / `<RequestId>`.
    pub request_id: String,
    /// `<HostId>`.
    pub host_id: String,
    /// `<EC>` / `x-oss-ec`, the detailed error code.
    pub ec: String,
    /// `<StringToSign>` the server computed, on `SignatureDoesNotMatch`.
    pub string_to_sign: Option<String>,
    /// `<CanonicalRequest>` the server computed, on V4 `SignatureDoesNotMatch`.
    pub canonical_request: Option<String>,
}

/// Which integrity check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrityCheck {
    /// `x-oss-hash-crc64ecma` differs from the CRC-64 of the bytes sent or received.
    Crc64,
    /// The MD5 of the bytes differs from what was expected.
    Md5,
    /// The number of bytes received differs from `Content-Length`.
    Length,
}

/// Everything that can go wrong, each with a clear message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// OSS answered with an error document.
    #[error("OSS answered {} {}: {} (request id {})", .0.status, .0.code, .0.message, .0.request_id)]
    Service(Box<ServiceError>),
    /// The connection failed or broke (reset, refused, DNS, TLS, truncated body).
    #[error("network error: {0}")]
    Network(String),
    /// A request took longer than its timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The bytes are not what the server says they are.
    #[error("{check:?} mismatch: expected {expected}, got {actual}")]
    Integrity {
        /// The check that failed.
        check: IntegrityCheck,
        /// What the other side reported.
        expected: String,
        /// What was computed here.
        actual: String,
    },
    /// An argument was rejected before anything was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// No usable credentials could be had.
    #[error("credentials unavailable: {0}")]
    Credentials(String),
    /// A remote signer could not or would not sign.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The server's answer could not be understood.
    #[error("unexpected response: {0}")]
    InvalidResponse(String),
    /// A local file could not be read or written.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The transfer was paused; its checkpoint is kept so it can resume.
    #[error("paused (resume to continue)")]
    Paused,
}

impl Error {
    /// The OSS error, if OSS answered with one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The OSS error code, if OSS answered with one.
    pub fn code(&self) -> Option<&str> {
        self.service().map(|e| e.code.as_str())
    }

    /// Whether the server refused the credentials themselves (a fresh set may succeed).
    pub fn is_credentials_rejected(&self) -> bool {
        matches!(
            self.code(),
            Some("InvalidAccessKeyId" | "InvalidSecurityToken" | "SecurityTokenExpired")
        )
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // reqwest hides the cause chain in Display; show it so "connection reset" is visible.
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        Error::Network(msg)
    }
}
