//! Operational endpoints: health, metrics, and the answer for unknown paths.

use std::sync::Arc;

use axum::extract::{MatchedPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api_error::ApiError;
use crate::metrics::CONTENT_TYPE;
use crate::state::AppState;

/// `GET /healthz`: the process is up and serving.
pub(super) async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /metrics`: Prometheus metrics (OpenMetrics text).
pub(super) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

/// A known path with another method: 405 in the JSON error shape (counted here: the metrics
/// layer only sees requests a handler accepted).
pub(super) async fn method_not_allowed(
    State(state): State<Arc<AppState>>,
    path: Option<MatchedPath>,
) -> Response {
    let route = path.as_ref().map_or("unmatched", |p| p.as_str());
    state.metrics.observe_request(route, 405, 0.0);
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "this endpoint does not answer that method",
    )
    .into_response()
}

/// Any other path: 404 in the JSON error shape (counted as route `unmatched`).
pub(super) async fn not_found(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.observe_request("unmatched", 404, 0.0);
    ApiError::not_found().into_response()
}
