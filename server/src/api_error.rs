//! Error answers in the mobile SDKs' shape:
//! `{"StatusCode": <http status>, "ErrorCode": "...", "ErrorMessage": "..."}`.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth::AuthError;
use crate::user::UserIdError;
use crate::vend::VendError;

/// The `ErrorCode` of an error answer, kept in the response's extensions for the access log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedErrorCode(pub &'static str);

/// An error answer: HTTP status, a stable `ErrorCode` and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (also sent as `StatusCode` in the body).
    pub status: StatusCode,
    /// A stable code for programs, e.g. `InvalidCredentials`.
    pub code: &'static str,
    /// What went wrong, for people. Never holds a secret.
    pub message: String,
    /// Seconds after which to retry (sent as `Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `InvalidRequest`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    /// 403 `AccessDenied`.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    /// 404 `NotFound`.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "no such endpoint (try GET /sts-token)",
        )
    }

    /// 429 `RateLimited`, retry after `wait` (rounded up to whole seconds, at least 1).
    pub fn rate_limited(wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RateLimited",
                "too many requests for this user; retry later",
            )
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        if e == AuthError::Duplicate {
            return Self::invalid_request(e.to_string());
        }
        let code = match e {
            AuthError::Duplicate => "InvalidRequest",
            AuthError::Missing => "MissingCredentials",
            AuthError::Malformed | AuthError::UnknownToken => "InvalidCredentials",
            AuthError::InvalidJwt(_) => "InvalidToken",
        };
        Self::new(StatusCode::UNAUTHORIZED, code, e.to_string())
    }
}

impl From<UserIdError> for ApiError {
    fn from(e: UserIdError) -> Self {
        Self::new(StatusCode::FORBIDDEN, "InvalidUserId", e.to_string())
    }
}

impl From<&VendError> for ApiError {
    fn from(e: &VendError) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "StsError", e.public_message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "StatusCode": self.status.as_u16(),
            "ErrorCode": self.code,
            "ErrorMessage": self.message,
        });
        let mut response = (self.status, Json(body)).into_response();
        response.extensions_mut().insert(LoggedErrorCode(self.code));
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_rounds_retry_after_up() {
        assert_eq!(
            ApiError::rate_limited(Duration::from_millis(1)).retry_after,
            Some(1)
        );
        assert_eq!(
            ApiError::rate_limited(Duration::from_millis(1500)).retry_after,
            Some(2)
        );
        assert_eq!(ApiError::rate_limited(Duration::ZERO).retry_after, Some(1));
    }

    #[test]
    fn sts_errors_show_only_the_code() {
        let e = VendError::Refused {
            status: 403,
            code: "NoPermission".into(),
            request_id: "r-1".into(),
        };
        let api = ApiError::from(&e);
        assert_eq!(api.status, StatusCode::BAD_GATEWAY);
        assert_eq!(api.message, "STS AssumeRole failed (NoPermission)");
    }
}
