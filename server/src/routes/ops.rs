//! Operational endpoints: health, metrics, and the answer for unknown paths.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
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

/// Any other path: 404 in the JSON error shape.
pub(super) async fn not_found(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.observe_request("unmatched", 404, 0.0);
    ApiError::not_found().into_response()
}
