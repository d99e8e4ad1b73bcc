//! Metrics and the access log for every routed request.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::LoggedUser;
use crate::api_error::LoggedErrorCode;
use crate::metrics::Metrics;

/// Times the request, counts it by route and status, and logs it (never its headers or body).
pub(super) async fn observe(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics.observe_request(&route, status, elapsed.as_secs_f64());
    let extensions = response.extensions();
    let user = extensions.get::<LoggedUser>().map_or("-", |u| u.0.as_str());
    let error = extensions.get::<LoggedErrorCode>().map_or("-", |c| c.0);
    let latency_us = elapsed.as_micros() as u64;
    // Escaped: a refused user id could try to smuggle line breaks into the log.
    let user = user.escape_debug();
    if status >= 500 {
        tracing::warn!(%method, %route, status, %user, error, latency_us, "request");
    } else {
        tracing::info!(%method, %route, status, %user, error, latency_us, "request");
    }
    response
}
