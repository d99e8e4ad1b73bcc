//! Conditional reads: `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`.

use chrono::DateTime;

use super::request::OssRequest;
use crate::http_util::parse_http_date;
use crate::storage::same_etag;

/// The outcome of a request's preconditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Serve the object.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 PreconditionFailed, naming the header that failed.
    Failed(&'static str),
}

fn etag_listed(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || same_etag(candidate, etag))
}

/// Evaluates the preconditions in RFC 7232 order against the object's ETag and time
/// (Unix seconds). Unparsable dates are ignored.
pub(crate) fn evaluate(req: &OssRequest, etag: &str, last_modified: i64) -> Precondition {
    let modified = DateTime::from_timestamp(last_modified, 0).unwrap_or_default();
    match req.header("if-match") {
        Some(list) if !etag_listed(list, etag) => return Precondition::Failed("If-Match"),
        Some(_) => {}
        None => {
            let since = req.header("if-unmodified-since").and_then(parse_http_date);
            if since.is_some_and(|t| modified > t) {
                return Precondition::Failed("If-Unmodified-Since");
            }
        }
    }
    match req.header("if-none-match") {
        Some(list) if etag_listed(list, etag) => Precondition::NotModified,
        Some(_) => Precondition::Proceed,
        None => {
            let since = req.header("if-modified-since").and_then(parse_http_date);
            if since.is_some_and(|t| modified <= t) {
                Precondition::NotModified
            } else {
                Precondition::Proceed
            }
        }
    }
}
