//! The OSS front end: request pipeline from routing to the answer.
//!
//! Every request goes: resolve bucket/key → route to an operation (counted in the stats) →
//! injected faults → bucket exists → authenticate → authorize (RAM, or the ACLs for an
//! anonymous read) → handler. A request for an operation the emulator lacks is authenticated
//! before it is answered 501. Every answer carries `x-oss-request-id`, `Date` (the emulator's
//! clock) and `Server: AliyunOSS`.

pub(crate) mod auth;
mod authorize;
mod conditional;
mod copy_source;
mod error;
pub(crate) mod handlers;
pub(crate) mod range;
mod request;
mod routing;
mod xml;

use std::sync::Arc;

use axum::extract::{Request, State};
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
    let req = match OssRequest::parse(&parts, peer, &app.storage) {
        Ok(req) => req,
        Err(e) => return fail(e, envelope),
    };
    envelope.host_id = req.host_id();
    let operation = match routing::route(&req) {
        Ok(op) => op,
        Err(e) => return fail(unimplemented(app, &req, e), envelope),
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
    let response = match perform(app, &req, counters, operation, body).await {
        Ok(response) => response,
        Err(e) => fail(e, envelope),
    };
    inject::after_handling(response, remaining, envelope.head, control).await
}

/// The answer to a request for an operation the emulator lacks: what authentication says
/// first (as OSS checks credentials before anything else), then `not_implemented`.
fn unimplemented(app: &App, req: &OssRequest, not_implemented: OssError) -> OssError {
    match auth::authenticate(app, req) {
        Err(e) => e,
        Ok(None) => auth::anonymous_refused(),
        Ok(Some(_)) => not_implemented,
    }
}

/// Checks the bucket, the signature and the policies (or ACLs), then runs the handler.
async fn perform(
    app: &App,
    req: &OssRequest,
    counters: &crate::stats::OperationCounters,
    operation: crate::operation::Operation,
    body: axum::body::Body,
) -> Result<Response, OssError> {
    let bucket = req.bucket();
    if operation.needs_bucket() && !app.storage.has_bucket(bucket) {
        return Err(handlers::no_such_bucket(bucket));
    }
    let principal = auth::authenticate(app, req)?;
    match &principal {
        Some(p) => authorize::authorize_operation(app, p, operation, req)?,
        None => authorize::permit_anonymous(app, operation, req).await?,
    }
    let call = Call {
        app,
        req,
        counters,
        principal: principal.as_ref(),
    };
    handlers::dispatch(&call, operation, body).await
}
