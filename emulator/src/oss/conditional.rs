//! Conditional reads: `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`,
//! and their `x-oss-copy-source-if-*` counterparts on a copy's source.

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

/// The four conditional headers of one kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conditions {
    if_match: &'static str,
    if_unmodified_since: &'static str,
    if_none_match: &'static str,
    if_modified_since: &'static str,
}

/// The headers of a conditional read (GetObject, HeadObject).
pub(crate) const READ: Conditions = Conditions {
    if_match: "If-Match",
    if_unmodified_since: "If-Unmodified-Since",
    if_none_match: "If-None-Match",
    if_modified_since: "If-Modified-Since",
};

/// The headers of a conditional copy (CopyObject, UploadPartCopy), about the source.
pub(crate) const COPY_SOURCE: Conditions = Conditions {
    if_match: "x-oss-copy-source-if-match",
    if_unmodified_since: "x-oss-copy-source-if-unmodified-since",
    if_none_match: "x-oss-copy-source-if-none-match",
    if_modified_since: "x-oss-copy-source-if-modified-since",
};

/// Evaluates the preconditions `which` in RFC 7232 order against the object's ETag and time
/// (Unix seconds). Unparsable dates are ignored.
pub(crate) fn evaluate(
    req: &OssRequest,
    which: Conditions,
    etag: &str,
    last_modified: i64,
) -> Precondition {
    let modified = DateTime::from_timestamp(last_modified, 0).unwrap_or_default();
    match req.header(which.if_match) {
        Some(list) if !etag_listed(list, etag) => return Precondition::Failed(which.if_match),
        Some(_) => {}
        None => {
            let since = req
                .header(which.if_unmodified_since)
                .and_then(parse_http_date);
            if since.is_some_and(|t| modified > t) {
                return Precondition::Failed(which.if_unmodified_since);
            }
        }
    }
    match req.header(which.if_none_match) {
        Some(list) if etag_listed(list, etag) => Precondition::NotModified,
        Some(_) => Precondition::Proceed,
        None => {
            let since = req
                .header(which.if_modified_since)
                .and_then(parse_http_date);
            if since.is_some_and(|t| modified <= t) {
                Precondition::NotModified
            } else {
                Precondition::Proceed
            }
        }
    }
}
