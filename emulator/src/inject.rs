//! Carrying out injected faults on the wire: resets, truncated or corrupted bodies, delays.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::CONTENT_LENGTH;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::StreamExt;

use crate::faults::FaultKind;
use crate::server::ConnectionControl;
use crate::stats::OperationCounters;
use crate::storage;

/// Gives the client time to receive what was written before the connection drops.
const FLUSH_PAUSE: Duration = Duration::from_millis(100);

/// The message of an injected error answer.
pub(crate) const INJECTED_MESSAGE: &str = "Injected fault (emulator test control).";

/// What remains of a fault once the request may be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Remaining {
    /// Nothing: answer normally.
    Nothing,
    /// Cut the answer ([`truncate`]).
    Truncate,
    /// Damage the answer's body ([`corrupt`]).
    Corrupt,
}

/// Carries out the part of `fault` that comes before handling: waits (`delay`), or answers in
/// place of the handler (`reset` never answers; `status` answers with `status_answer`).
/// Otherwise gives the body back with what remains to do after handling.
pub(crate) async fn before_handling(
    fault: Option<FaultKind>,
    body: Body,
    control: Option<&ConnectionControl>,
    counters: &OperationCounters,
    status_answer: impl FnOnce(StatusCode, &str) -> Response,
) -> Result<(Body, Remaining), Response> {
    match fault {
        None => Ok((body, Remaining::Nothing)),
        Some(FaultKind::Delay(pause)) => {
            tokio::time::sleep(pause).await;
            Ok((body, Remaining::Nothing))
        }
        Some(FaultKind::Truncate) => Ok((body, Remaining::Truncate)),
        Some(FaultKind::Corrupt) => Ok((corrupt(body), Remaining::Corrupt)),
        Some(FaultKind::Reset) => Err(reset(body, control, counters).await),
        Some(FaultKind::Status { status, code }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            Err(status_answer(status, &code))
        }
    }
}

/// Carries out what remains of a fault on the handler's answer (`head`: the answer has no body
/// whatever its `Content-Length`).
pub(crate) async fn after_handling(
    response: Response,
    remaining: Remaining,
    head: bool,
    control: Option<ConnectionControl>,
) -> Response {
    match remaining {
        Remaining::Nothing => response,
        Remaining::Truncate if head => kill(control.as_ref()).await,
        Remaining::Truncate => truncate(response, control).await,
        Remaining::Corrupt => {
            let (parts, body) = response.into_parts();
            Response::from_parts(parts, corrupt(body))
        }
    }
}

/// `kind=corrupt`: the same body with one bit of its first byte flipped (an empty body stays
/// empty).
fn corrupt(body: Body) -> Body {
    let mut damaged = false;
    Body::from_stream(body.into_data_stream().map(move |chunk| {
        chunk.map(|bytes| {
            if damaged || bytes.is_empty() {
                return bytes;
            }
            damaged = true;
            let mut copy = bytes.to_vec();
            copy[0] ^= 0x01;
            bytes::Bytes::from(copy)
        })
    }))
}

/// Drops the connection for good; the request never gets an answer.
async fn kill(control: Option<&ConnectionControl>) -> Response {
    if let Some(control) = control {
        control.kill();
        std::future::pending::<()>().await;
    }
    // Without a connection handle (not served by our loop) there is nothing to cut.
    Response::new(Body::empty())
}

/// `kind=reset`: reads half of the request body (all of it when its length is not declared),
/// then drops the connection without answering: a connection lost in the middle of an upload.
async fn reset(
    body: Body,
    control: Option<&ConnectionControl>,
    counters: &OperationCounters,
) -> Response {
    use axum::body::HttpBody;
    let half = body.size_hint().exact().map_or(u64::MAX, |len| len / 2);
    storage::drain(body, half, |n| counters.add_bytes(n)).await;
    kill(control).await
}

/// `kind=truncate`: keeps the headers (full `Content-Length`) but sends only the first half of
/// the body, then drops the connection. An answer without a body is dropped entirely.
async fn truncate(response: Response, control: Option<ConnectionControl>) -> Response {
    let length = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let control = match control {
        Some(control) if length > 0 => control,
        other => return kill(other.as_ref()).await,
    };
    let (parts, body) = response.into_parts();
    let half = length / 2;
    let stream = body
        .into_data_stream()
        .scan(half, |remaining, chunk| {
            let out = match chunk {
                Ok(mut bytes) if *remaining > 0 => {
                    bytes.truncate(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    *remaining -= bytes.len() as u64;
                    Some(Ok(bytes))
                }
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            };
            std::future::ready(out)
        })
        .chain(futures_util::stream::once(async move {
            tokio::time::sleep(FLUSH_PAUSE).await;
            control.kill();
            std::future::pending::<Result<bytes::Bytes, axum::Error>>().await
        }));
    Response::from_parts(parts, Body::from_stream(stream))
}
