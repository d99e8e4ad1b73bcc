//! The OSS error codes the SDK acts on (the `Code` of an error answer, [`super::ServiceError::code`]).
//!
//! Compare with [`super::Error::is_code`] or [`super::ServiceError::is`], or use the predicates
//! on [`super::Error`] (`is_clock_skew`, `is_precondition_failed`, `is_no_such_upload`,
//! `is_credentials_rejected`).

/// The request's time is too far from the server's: the client corrects its clock and retries.
pub const REQUEST_TIME_TOO_SKEWED: &str = "RequestTimeTooSkewed";
/// The body does not match its `Content-MD5` (damaged on the way): retried.
pub const INVALID_DIGEST: &str = "InvalidDigest";
/// A malformed request, also what a 400 without an error document is reported as: retried.
pub const BAD_REQUEST: &str = "BadRequest";
/// The AccessKeyId is unknown: the credentials are refreshed once.
pub const INVALID_ACCESS_KEY_ID: &str = "InvalidAccessKeyId";
/// The STS security token is not valid: the credentials are refreshed once.
pub const INVALID_SECURITY_TOKEN: &str = "InvalidSecurityToken";
/// The STS security token expired: the credentials are refreshed once.
pub const SECURITY_TOKEN_EXPIRED: &str = "SecurityTokenExpired";
/// An `If-Match` (or other precondition) failed: the object changed, a download starts over.
pub const PRECONDITION_FAILED: &str = "PreconditionFailed";
/// The multipart upload is gone: a resume from a checkpoint starts over.
pub const NO_SUCH_UPLOAD: &str = "NoSuchUpload";
/// A conditional read found the object unchanged (304).
pub const NOT_MODIFIED: &str = "NotModified";
