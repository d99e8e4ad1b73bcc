//! The OSS front end: request pipeline from routing to the answer.
//!
//! Every request goes: resolve bucket/key → route to an operation (counted in the stats) →
//! injected faults → bucket exists → authenticate → authorize (RAM) → handler. Every answer
//! carries `x-oss-request-id`, `Date` (the emulator's clock) and `Server: AliyunOSS`.

mod auth;
mod authorize;
mod conditional;
mod error;
mod handlers;
mod range;
mod request;
mod routing;
mod xml;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;

use crate::app::App;
use crate::http_util::{header_value, http_date};
use crate::{control, ids, inject, server};
use error::OssError;
use handlers::Call;
use request::OssRequest;

/// The OSS listener's router: the `/_emulator/` controls and every OSS request.
pub(crate) fn router(app: Arc<App>) -> Router {
    control::routes(app.clone())
        .fallback(handle)
        .with_state(app)
}

/// What every answer needs to know about its request.
struct Envelope {
    request_id: String,
    host_id: String,
    head: bool,
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let mut envelope = Envelope {
        request_id: ids::request_id(),
        host_id: String::new(),
        head: request.method() == axum::http::Method::HEAD,
    };
    let mut response = serve(&app, request, &mut envelope).await;
    let headers = response.headers_mut();
    headers.insert("x-oss-request-id", header_value(&envelope.request_id));
    headers.insert("date", header_value(&http_date(app.clock.now())));
    headers.insert("server", header_value("AliyunOSS"));
    response
}

async fn serve(app: &App, request: Request, envelope: &mut Envelope) -> Response {
    let (parts, body) = request.into_parts();
    let (control, peer) = server::connection_of(&parts.extensions);
    let fail = |e: OssError, envelope: &Envelope| {
        e.into_response(&envelope.request_id, &envelope.host_id, envelope.head)
    };
    let req = match OssRequest::parse(&parts, peer, &app.directory) {
        Ok(req) => req,
        Err(e) => return fail(e, envelope),
    };
    envelope.host_id = req.host_id();
    let operation = match routing::route(&req) {
        Ok(op) => op,
        Err(e) => return fail(e, envelope),
    };
    let counters = app.stats.record(operation);
    let fault = app.faults.pick(operation);
    let injected = |status, code: &str| {
        fail(
            OssError::new(status, code, inject::INJECTED_MESSAGE),
            envelope,
        )
    };
    let (body, remaining) =
        match inject::before_handling(fault, body, control.as_ref(), counters, injected).await {
            Ok(go_on) => go_on,
            Err(answer) => return answer,
        };
    let call = Call {
        app,
        req: &req,
        counters,
    };
    let response = match perform(&call, operation, body).await {
        Ok(response) => response,
        Err(e) => fail(e, envelope),
    };
    inject::after_handling(response, remaining, envelope.head, control).await
}

/// Checks the bucket, the signature and the policies, then runs the handler.
async fn perform(
    call: &Call<'_>,
    operation: crate::operation::Operation,
    body: axum::body::Body,
) -> Result<Response, OssError> {
    let bucket = call.req.bucket();
    if !operation.is_service_level() && !call.app.directory.has_bucket(bucket) {
        return Err(OssError::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        )
        .with("BucketName", bucket));
    }
    let principal = auth::authenticate(call.app, call.req)?;
    authorize::authorize(call.app, &principal, operation, call.req)?;
    handlers::dispatch(call, operation, body).await
}
