//! The HTTP routes and what they share: admission (authentication, user id check, rate limit)
//! and the access log.

mod observe;
mod ops;
mod sign;
mod token;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api_error::ApiError;
use crate::policy::UserPolicy;
use crate::state::AppState;
use crate::user::UserId;

/// The largest `POST /sign` body accepted.
const SIGN_BODY_LIMIT: usize = 64 * 1024;

/// The user a response was for, read by the access log.
#[derive(Clone, Debug)]
struct LoggedUser(String);

/// A request that passed authentication, the user id check and the rate limit.
struct Admitted {
    user: UserId,
    policy: UserPolicy,
}

impl Admitted {
    /// Tags `outcome` with the user for the access log.
    fn finish(&self, outcome: Result<Response, ApiError>) -> Response {
        tag_user(
            outcome.unwrap_or_else(IntoResponse::into_response),
            self.user.as_str(),
        )
    }
}

fn tag_user(mut response: Response, user: &str) -> Response {
    response
        .extensions_mut()
        .insert(LoggedUser(user.to_owned()));
    response
}

/// Marks a response as not cacheable (it carries credentials or signatures).
fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A request refused before its handler ran, with the user id when it was known.
struct Refusal {
    error: ApiError,
    user: Option<String>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let response = self.error.into_response();
        match &self.user {
            Some(user) => tag_user(response, user),
            None => response,
        }
    }
}

/// Authenticates the request (401), checks the user id (403) and the user's rate limit (429).
fn admit(state: &AppState, headers: &HeaderMap) -> Result<Admitted, Refusal> {
    let raw = state.auth.authenticate(headers).map_err(|e| Refusal {
        error: e.into(),
        user: None,
    })?;
    let refuse = |error: ApiError| Refusal {
        error,
        user: Some(raw.clone()),
    };
    let user = UserId::parse(&raw).map_err(|e| refuse(e.into()))?;
    state
        .limiter
        .check(user.as_str())
        .map_err(|wait| refuse(ApiError::rate_limited(wait)))?;
    let policy = state.policy.for_user(&user);
    Ok(Admitted { user, policy })
}

/// Every route, with metrics and access logs.
pub fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new()
        .route("/sts-token", get(token::get_token))
        .route("/get_sts_token", get(token::get_token))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics));
    if state.signing.is_some() {
        router = router.route(
            "/sign",
            post(sign::sign).layer(DefaultBodyLimit::max(SIGN_BODY_LIMIT)),
        );
    }
    router
        .route_layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            observe::observe,
        ))
        .method_not_allowed_fallback(ops::method_not_allowed)
        .fallback(ops::not_found)
        .with_state(state)
}
