//! `GET /sts-token` (and `/get_sts_token`): the user's STS credentials in the mobile SDKs' format.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{admit, no_store};
use crate::api_error::ApiError;
use crate::state::AppState;
use crate::wire::TokenResponse;

/// Authenticates the caller and answers with its credentials (cached or fresh from STS).
pub(super) async fn get_token(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let admitted = match admit(&state, &headers) {
        Ok(a) => a,
        Err(refusal) => return refusal.into_response(),
    };
    let outcome = state
        .vendor
        .credentials(&admitted.user, &admitted.policy)
        .await
        .map(|c| no_store(Json(TokenResponse::from(&*c))))
        .map_err(|e| ApiError::from(&*e));
    admitted.finish(outcome)
}
