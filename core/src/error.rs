//! The one error type of the SDK.
//!
//! Every [`Error`] reads completely on its own (`Display` includes the text of its causes, so
//! printing or logging it is enough), and the typed causes stay reachable through
//! [`std::error::Error::source`] for code that inspects them.

use std::time::Duration;

pub mod codes;
mod detail;

pub use detail::Detail;

/// Result with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answered by OSS (or the emulator): the parsed `<Error>` document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// OSS error code, e.g. `NoSuchKey`, `SignatureDoesNotMatch` (see [`codes`]).
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

impl ServiceError {
    /// Whether OSS answered with error code `code` (one of [`codes`]).
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
}

/// Which integrity check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub enum Error {
    /// OSS answered with an error document.
    #[error("OSS answered {} {}: {} (request id {})", .0.status, .0.code, .0.message, .0.request_id)]
    Service(Box<ServiceError>),
    /// The connection failed or broke (reset, refused, DNS, TLS, truncated body); the source is
    /// the HTTP stack's error.
    #[error("network error: {0}")]
    Network(#[source] Detail),
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
    /// No usable credentials could be had; the source is the failure of the fetch, if any.
    #[error("credentials unavailable: {0}")]
    Credentials(#[source] Detail),
    /// A remote signer could not or would not sign; the source is the failure of the call, if
    /// any.
    #[error("signing failed: {0}")]
    Signing(#[source] Detail),
    /// The server's answer could not be understood; the source is the parser's error, if any.
    #[error("unexpected response: {0}")]
    InvalidResponse(#[source] Detail),
    /// An answer that is read whole (token endpoint, STS, signing endpoint, error document) was
    /// larger than the SDK accepts ([`crate::MAX_SMALL_BODY`]); it was not read further.
    #[error("{what} is larger than {limit} bytes; refused")]
    ResponseTooLarge {
        /// Which answer.
        what: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A local file could not be read or written.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The transfer was paused. What a resumable transfer did is kept (its checkpoint, or the
    /// multipart upload of the caller's `upload_id`): run it again to resume. An upload that could
    /// not be resumed (no `checkpoint_dir`, no `upload_id`, or a stream of unknown length) is
    /// aborted instead, so a later run starts over.
    #[error("paused (resume to continue)")]
    Paused,
    /// A resumed upload's source is not what the upload started with (its size, file identity
    /// or app version differ). Nothing was sent; the checkpoint and the server's parts are kept.
    /// Discard the transfer to upload the new content, or supply the original source.
    #[error("the source changed since the upload started: {0}")]
    SourceChanged(String),
    /// A multipart upload failed after it was started and was left on the server, so it can be
    /// resumed: run the same upload again with the same `checkpoint_dir`, or with
    /// `UploadOptions::upload_id` set to `upload_id`. The source is the failure.
    #[error("{source} (multipart upload {upload_id} is kept for a resume)")]
    Upload {
        /// The multipart upload left on the server.
        upload_id: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// The error itself, without the context an upload adds: for [`Error::Upload`] the failure
    /// it carries, for any other error `self`.
    pub fn inner(&self) -> &Error {
        match self {
            Self::Upload { source, .. } => source.inner(),
            other => other,
        }
    }

    /// The multipart upload a failed upload left on the server, to resume it with
    /// `UploadOptions::upload_id`.
    pub fn upload_id(&self) -> Option<&str> {
        match self {
            Self::Upload { upload_id, .. } => Some(upload_id),
            _ => None,
        }
    }

    /// The OSS error, if OSS answered with one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self.inner() {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The OSS error code, if OSS answered with one (see [`codes`]).
    pub fn code(&self) -> Option<&str> {
        self.service().map(|e| e.code.as_str())
    }

    /// Whether OSS answered with error code `code` (one of [`codes`]).
    pub fn is_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }

    /// Whether the server refused the credentials themselves (a fresh set may succeed).
    pub fn is_credentials_rejected(&self) -> bool {
        matches!(
            self.code(),
            Some(
                codes::INVALID_ACCESS_KEY_ID
                    | codes::INVALID_SECURITY_TOKEN
                    | codes::SECURITY_TOKEN_EXPIRED
            )
        )
    }

    /// Whether the server refused the request because this device's clock is off (the client
    /// has corrected its clock from the server's `Date` by then).
    pub fn is_clock_skew(&self) -> bool {
        self.is_code(codes::REQUEST_TIME_TOO_SKEWED)
    }

    /// Whether the object changed under a request pinned to its ETag (`If-Match`).
    pub fn is_precondition_failed(&self) -> bool {
        self.is_code(codes::PRECONDITION_FAILED)
    }

    /// Whether the multipart upload no longer exists on the server.
    pub fn is_no_such_upload(&self) -> bool {
        self.is_code(codes::NO_SUCH_UPLOAD)
    }

    /// Whether the operation was stopped by its [`crate::transfer::TransferHandle`] (paused or
    /// cancelled) rather than failing.
    pub fn is_stopped(&self) -> bool {
        matches!(self.inner(), Self::Paused | Self::Cancelled)
    }

    /// Whether the same request may succeed if sent again: 5xx, 401, 408, 429, clock skew,
    /// network errors, timeouts, unreadable answers and integrity mismatches (ours, or the
    /// server's `InvalidDigest` for the `Content-MD5` we computed: bytes damaged on the way);
    /// never other 4xx, local errors or a stop. The client's retry loop acts on this.
    pub fn is_retryable(&self) -> bool {
        match self.inner() {
            Self::Service(e) => {
                e.status >= 500
                    || matches!(e.status, 401 | 408 | 429)
                    || e.is(codes::REQUEST_TIME_TOO_SKEWED)
                    || e.is(codes::INVALID_DIGEST)
                    || e.is(codes::BAD_REQUEST)
            }
            Self::Network(_) | Self::Timeout(_) | Self::Integrity { .. } => true,
            Self::InvalidResponse(_) => true,
            _ => false,
        }
    }

    /// Wraps the failure `self` of a multipart upload left on the server; a stop (pause,
    /// cancel) stays as it is.
    pub(crate) fn in_upload(self, upload_id: &str) -> Error {
        if self.is_stopped() || self.upload_id().is_some() {
            return self;
        }
        Error::Upload {
            upload_id: upload_id.to_owned(),
            source: Box::new(self),
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Network(Detail::from_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_kept_and_shown() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = Error::Network(Detail::from_error(io));
        assert_eq!(e.to_string(), "network error: reset by peer");
        let cause = std::error::Error::source(&e)
            .and_then(std::error::Error::source)
            .and_then(|c| c.downcast_ref::<std::io::Error>());
        assert_eq!(
            cause.map(std::io::Error::kind),
            Some(std::io::ErrorKind::ConnectionReset)
        );
    }

    #[test]
    fn an_upload_failure_carries_its_upload_id_but_classifies_as_its_cause() {
        let e = Error::Network("reset".into()).in_upload("U1");
        assert_eq!(e.upload_id(), Some("U1"));
        assert!(matches!(e.inner(), Error::Network(_)));
        assert!(e.is_retryable());
        assert!(e.to_string().contains("network error: reset"), "{e}");
        assert!(e.to_string().contains("U1"), "{e}");
        assert!(matches!(Error::Paused.in_upload("U1"), Error::Paused));
        let twice = Error::Timeout(Duration::ZERO).in_upload("A").in_upload("B");
        assert_eq!(twice.upload_id(), Some("A"));
    }

    #[test]
    fn codes_have_predicates() {
        let e = Error::Service(Box::new(ServiceError {
            status: 404,
            code: codes::NO_SUCH_UPLOAD.into(),
            ..Default::default()
        }));
        assert!(e.is_no_such_upload() && !e.is_precondition_failed() && !e.is_clock_skew());
        assert!(e.in_upload("U").is_no_such_upload());
    }
}
