//! The STS front end: `AssumeRole` at the listener's root path.

mod assume_role;
mod error;
mod nonce;
pub(crate) mod params;
mod signature;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;

pub(crate) use nonce::NonceCache;

use crate::app::App;
use crate::http_util::{header, header_value, json_response};
use crate::operation::Operation;
use crate::{ids, inject, server, storage};
use error::StsError;
use params::Params;
use signature::SignedRequest;

/// The largest request body read (form-encoded parameters).
const MAX_BODY: usize = 64 * 1024;

/// The STS listener's router.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// A POP-style request id: `8-4-4-4-12` upper-case hex.
fn request_id() -> String {
    let hex = ids::upper_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let request_id = request_id();
    let mut response = serve(&app, request, &request_id).await;
    response
        .headers_mut()
        .insert("x-acs-request-id", header_value(&request_id));
    response
}

async fn serve(app: &App, request: Request, request_id: &str) -> Response {
    let (parts, body) = request.into_parts();
    let (control, peer) = server::connection_of(&parts.extensions);
    let body = match storage::read_small(body, MAX_BODY, |_| {}).await {
        Ok(body) => body,
        Err(e) => {
            return StsError::bad_request("InvalidParameter", e.to_string())
                .into_response(request_id)
        }
    };
    let raw_query = parts.uri.query().unwrap_or("");
    let params = Params::read(raw_query, header(&parts.headers, "content-type"), &body);
    let action = header(&parts.headers, "x-acs-action").or_else(|| params.get("Action"));
    if parts.uri.path() != "/" || action != Some("AssumeRole") {
        return StsError::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method. The emulator's STS implements AssumeRole at /.",
        )
        .into_response(request_id);
    }
    let counters = app.stats.record(Operation::AssumeRole);
    counters.add_bytes(body.len() as u64);
    let fault = app.faults.pick(Operation::AssumeRole);
    let injected = |status, code: &str| {
        StsError::new(status, code, inject::INJECTED_MESSAGE).into_response(request_id)
    };
    let remaining = match inject::before_handling(
        fault,
        axum::body::Body::empty(),
        control.as_ref(),
        counters,
        injected,
    )
    .await
    {
        Ok((_, remaining)) => remaining,
        Err(answer) => return answer,
    };
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        raw_query,
        headers: &parts.headers,
        params: &params,
        body: &body,
    };
    let result = signature::authenticate(app, &signed)
        .and_then(|caller| assume_role::assume_role(app, caller, &params, peer, request_id));
    let response = match result {
        Ok(document) => json_response(StatusCode::OK, &document),
        Err(e) => e.into_response(request_id),
    };
    inject::after_handling(response, remaining, false, control).await
}
