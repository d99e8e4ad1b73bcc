//! Carrying out injected faults on the wire: resets, truncated bodies, delays.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::CONTENT_LENGTH;
use axum::response::Response;
use futures_util::StreamExt;

use crate::server::ConnectionControl;
use crate::stats::OperationCounters;
use crate::storage;

/// Gives the client time to receive what was written before the connection drops.
const FLUSH_PAUSE: Duration = Duration::from_millis(100);

/// Drops the connection for good; the request never gets an answer.
async fn kill(control: Option<&ConnectionControl>) -> Response {
    if let Some(control) = control {
        control.kill();
        std::future::pending::<()>().await;
    }
    // Without a connection handle (not served by our loop) there is nothing to cut.
    Response::new(Body::empty())
}

/// `kind=reset`: reads the request body, then drops the connection without answering.
pub(crate) async fn reset(
    body: Body,
    control: Option<&ConnectionControl>,
    counters: &OperationCounters,
) -> Response {
    storage::drain(body, |n| counters.add_bytes(n)).await;
    kill(control).await
}

/// `kind=truncate`: keeps the headers (full `Content-Length`) but sends only the first half of
/// the body, then drops the connection. An answer without a body is dropped entirely.
pub(crate) async fn truncate(response: Response, control: Option<ConnectionControl>) -> Response {
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
