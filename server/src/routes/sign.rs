//! `POST /sign`: remote signing of requests inside the user's policy.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;

use super::{admit, no_store, Admitted};
use crate::api_error::ApiError;
use crate::signing::{check, SignRefusal, SignRequest};
use crate::state::AppState;

impl From<SignRefusal> for ApiError {
    fn from(r: SignRefusal) -> Self {
        let message = r.to_string();
        match r {
            SignRefusal::Invalid(_) => ApiError::invalid_request(message),
            SignRefusal::Denied(_) => ApiError::access_denied(message),
            SignRefusal::TooSkewed(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "RequestTimeTooSkewed", message)
            }
            SignRefusal::Mismatch(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "StringToSignMismatch", message)
            }
        }
    }
}

async fn sign_for(
    state: &AppState,
    admitted: &Admitted,
    body: &[u8],
) -> Result<Response, ApiError> {
    let rules = state.signing.as_ref().ok_or_else(ApiError::not_found)?;
    let request: SignRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_request(format!("body: {e}")))?;
    let checked = check(&request, &admitted.policy, rules, Utc::now())?;
    let credentials = state
        .vendor
        .credentials(&admitted.user, &admitted.policy)
        .await
        .map_err(|e| ApiError::from(&*e))?;
    Ok(no_store(Json(checked.sign(&credentials))))
}

/// Authenticates the caller, checks the described request and signs it.
pub(super) async fn sign(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let admitted = match admit(&state, &headers) {
        Ok(a) => a,
        Err(refusal) => return refusal.into_response(),
    };
    let outcome = sign_for(&state, &admitted, &body).await;
    admitted.finish(outcome)
}
