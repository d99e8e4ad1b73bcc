//! Successful answers: with the body read ([`OssResponse`]) or still on the wire
//! ([`StreamingResponse`]).

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::error::{Error, Result};

/// A header as text ("" when absent or not text).
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A transport failure as the SDK's error: a stalled read is a [`Error::Timeout`] of the client's
/// read timeout, anything else (refused, reset, truncated) a network error.
pub(super) fn transport_error(e: reqwest::Error, read_timeout: Duration) -> Error {
    if e.is_timeout() {
        Error::Timeout(read_timeout)
    } else {
        Error::from(e)
    }
}

/// A successful answer, body read.
#[derive(Clone, Debug)]
pub struct OssResponse {
    /// HTTP status (2xx, or 304 for conditional reads).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl OssResponse {
    /// A header as text ("" when absent or not text).
    pub fn header(&self, name: &str) -> &str {
        header_text(&self.headers, name)
    }
}

/// A successful answer whose body has not been read yet. Read it piece by piece with
/// [`StreamingResponse::chunk`], or whole with [`StreamingResponse::read_body`].
///
/// Only the request was retried: a body that breaks while it is read surfaces as an error of
/// `chunk`, and it is up to the caller to ask again.
#[derive(Debug)]
pub struct StreamingResponse {
    /// HTTP status (2xx, or 304 for conditional reads).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    body: reqwest::Response,
    read_timeout: Duration,
}

impl StreamingResponse {
    /// Wraps a successful answer; `read_timeout` names the limit in timeout errors.
    pub(super) fn new(mut response: reqwest::Response, read_timeout: Duration) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: std::mem::take(response.headers_mut()),
            body: response,
            read_timeout,
        }
    }

    /// A header as text ("" when absent or not text).
    pub fn header(&self, name: &str) -> &str {
        header_text(&self.headers, name)
    }

    /// The next piece of the body, `None` after its end. A connection that breaks, ends early or
    /// stalls longer than the read timeout is an [`Error::Network`] or [`Error::Timeout`].
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let read_timeout = self.read_timeout;
        self.body
            .chunk()
            .await
            .map_err(|e| transport_error(e, read_timeout))
    }

    /// Reads an error answer's body, refusing one larger than [`crate::MAX_SMALL_BODY`].
    pub(super) async fn read_error_body(self) -> Result<OssResponse> {
        let what = format!("the error answer (HTTP {})", self.status);
        let read_timeout = self.read_timeout;
        let body = crate::body_limit::read_limited(self.body, crate::MAX_SMALL_BODY, &what, |e| {
            transport_error(e, read_timeout)
        })
        .await?;
        Ok(OssResponse {
            status: self.status,
            headers: self.headers,
            body,
        })
    }

    /// Reads the rest of the body into memory.
    pub async fn read_body(self) -> Result<OssResponse> {
        let body = self
            .body
            .bytes()
            .await
            .map_err(|e| transport_error(e, self.read_timeout))?;
        Ok(OssResponse {
            status: self.status,
            headers: self.headers,
            body,
        })
    }
}
