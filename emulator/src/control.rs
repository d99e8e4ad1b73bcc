//! Test controls over HTTP, under `/_emulator/` on the OSS listener. They answer only when the
//! listener is a loopback address and the client is on the same machine.
//!
//! - `GET /_emulator/stats` — `{"operations": {"PutObject": {"count", "bytes_received"}, …}}`
//!   and `"connections": {"open", "accepted", "header_timeouts", "limit_reached"}` (both listeners)
//! - `POST /_emulator/stats/reset` — zeroes the operation counters
//! - `GET /_emulator/faults` — `{"rules": ["op=…,kind=…", …]}`
//! - `POST /_emulator/faults` — body: a JSON list of rules in the CLI syntax, e.g.
//!   `["op=UploadPart,kind=reset,nth=3"]`; adds them
//! - `DELETE /_emulator/faults` — removes every rule
//! - `GET /_emulator/clock`, `PUT /_emulator/clock` with `{"offset_seconds": n}`

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::faults::FaultRule;
use crate::http_util::json_response;
use crate::server::connection_of;

/// The control routes (merged into the OSS router).
pub(crate) fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/stats/reset", post(reset_stats))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_emulator/clock", get(clock).put(set_clock))
        .route_layer(middleware::from_fn_with_state(app, guard))
}

/// Refuses remote clients and non-loopback listeners (a layer over every control route).
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let served_here = request
        .extensions()
        .get::<crate::server::ConnectionControl>()
        .is_some();
    let (_, peer) = connection_of(request.extensions());
    if app.controls_enabled && served_here && peer.is_loopback() {
        return next.run(request).await;
    }
    json_response(
        StatusCode::FORBIDDEN,
        &json!({"error": "test controls answer only loopback clients of a loopback listener"}),
    )
}

fn bad_request(message: String) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    let mut doc = app.stats.to_json();
    doc["connections"] = json!(app.connections.snapshot());
    json_response(StatusCode::OK, &doc)
}

async fn reset_stats(State(app): State<Arc<App>>) -> Response {
    app.stats.reset();
    json_response(StatusCode::OK, &app.stats.to_json())
}

fn rules_json(app: &App) -> serde_json::Value {
    let rules: Vec<String> = app.faults.rules().iter().map(ToString::to_string).collect();
    json!({ "rules": rules })
}

async fn list_faults(State(app): State<Arc<App>>) -> Response {
    json_response(StatusCode::OK, &rules_json(&app))
}

async fn add_faults(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let texts: Vec<String> = match serde_json::from_slice(&body) {
        Ok(texts) => texts,
        Err(e) => {
            return bad_request(format!(
                "expected a JSON list of rules like [\"op=UploadPart,kind=reset,nth=3\"]: {e}"
            ))
        }
    };
    let rules: Result<Vec<FaultRule>, String> = texts.iter().map(|t| t.parse()).collect();
    match rules {
        Ok(rules) => {
            app.faults.add(rules);
            json_response(StatusCode::OK, &rules_json(&app))
        }
        Err(e) => bad_request(e),
    }
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.faults.clear();
    json_response(StatusCode::OK, &rules_json(&app))
}

fn clock_json(app: &App) -> serde_json::Value {
    json!({
        "offset_seconds": app.clock.offset_seconds(),
        "now": app.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

async fn clock(State(app): State<Arc<App>>) -> Response {
    json_response(StatusCode::OK, &clock_json(&app))
}

#[derive(Deserialize)]
struct ClockChange {
    offset_seconds: i64,
}

async fn set_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockChange>(&body) {
        Ok(change) => {
            app.clock.set_offset_seconds(change.offset_seconds);
            json_response(StatusCode::OK, &clock_json(&app))
        }
        Err(e) => bad_request(format!("expected {{\"offset_seconds\": n}}: {e}")),
    }
}
