//! Small HTTP helpers shared by the OSS and STS front ends.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use std::sync::Arc;

use crate::stats::OperationCounters;
use crate::storage::ObjectData;

/// A decoded query parameter: name and value (`None` for a valueless `?uploads`).
pub(crate) type QueryParam = (String, Option<String>);

/// Percent-decodes `text` into UTF-8, `None` if the bytes are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Splits a raw query string into decoded parameters. `plus_is_space` applies form encoding
/// (STS); OSS queries take `+` literally. Undecodable bytes are replaced, never dropped.
pub(crate) fn parse_query(raw: &str, plus_is_space: bool) -> Vec<QueryParam> {
    let decode = |s: &str| {
        let s = if plus_is_space {
            s.replace('+', " ")
        } else {
            s.to_owned()
        };
        percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), Some(decode(v))),
            None => (decode(pair), None),
        })
        .collect()
}

/// The first value of a header as text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every header as `(name, value)` text pairs (values that are not text are decoded lossily).
pub(crate) fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A header value from text, dropping characters a header cannot hold.
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| {
        let cleaned: String = text
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect();
        HeaderValue::from_str(&cleaned).unwrap_or_else(|_| HeaderValue::from_static(""))
    })
}

/// `Sun, 03 Dec 2023 12:12:12 GMT`.
pub(crate) fn http_date(time: DateTime<Utc>) -> String {
    ossdirect::sign::v1::http_date(time)
}

/// Parses an HTTP date (RFC 1123, as `Date` and `If-Modified-Since` carry it).
pub(crate) fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A response with a status, a content type and a body (with its `Content-Length`).
pub(crate) fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<bytes::Bytes>,
) -> Response {
    let body: bytes::Bytes = body.into();
    let length = body.len();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers.insert(
        axum::http::header::CONTENT_LENGTH,
        HeaderValue::from(length),
    );
    response
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    response(status, "application/json", value.to_string())
}

/// Bytes read per blocking read when streaming an object.
const READ_CHUNK: u64 = 1024 * 1024;

/// Streams `len` bytes of `data` from `start`, a chunk per blocking read: each read goes
/// straight into the chunk's fresh buffer (no zeroing, no intermediate copy), so serving a
/// GiB costs about a thousand trips to the blocking pool.
pub(crate) fn object_body(
    data: ObjectData,
    start: u64,
    len: u64,
    counters: Arc<OperationCounters>,
) -> Body {
    let state = (Some(data), start, len, counters);
    let stream =
        futures_util::stream::unfold(state, |(data, offset, remaining, counters)| async move {
            let mut data = data.filter(|_| remaining > 0)?;
            let want = remaining.min(READ_CHUNK);
            let read = tokio::task::spawn_blocking(move || {
                let chunk = data.read(offset, want);
                (data, chunk)
            })
            .await;
            Some(match read {
                Ok((data, Ok(bytes))) => {
                    let got = bytes.len() as u64;
                    counters.add_sent(got);
                    let left = remaining - got;
                    // Let go of the files (and their lease) as soon as the last chunk is read.
                    let data = (left > 0).then_some(data);
                    (Ok(bytes), (data, offset + got, left, counters))
                }
                Ok((_, Err(e))) => (Err(e), (None, offset, 0, counters)),
                Err(e) => (Err(std::io::Error::other(e)), (None, offset, 0, counters)),
            })
        });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        let q = parse_query("uploads&encoding-type=url&a=b%2Fc+d&&x=", false);
        assert_eq!(
            q,
            vec![
                ("uploads".into(), None),
                ("encoding-type".into(), Some("url".into())),
                ("a".into(), Some("b/c+d".into())),
                ("x".into(), Some(String::new())),
            ]
        );
        assert_eq!(
            parse_query("RoleSessionName=my+session", true)[0]
                .1
                .as_deref(),
            Some("my session")
        );
        assert_eq!(
            percent_decode("dir%2Fmy%20key%2B%C3%BC.txt").unwrap(),
            "dir/my key+ü.txt"
        );
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn dates() {
        let t = parse_http_date("Tue, 24 Nov 2026 00:44:32 GMT").unwrap();
        assert_eq!(http_date(t), "Tue, 24 Nov 2026 00:44:32 GMT");
        assert!(parse_http_date("yesterday").is_none());
    }
}
