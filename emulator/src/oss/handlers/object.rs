//! PutObject, AppendObject, GetObject, HeadObject, GetObjectMeta, DeleteObject.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::DateTime;

use super::super::conditional::{self, Precondition};
use super::super::error::OssError;
use super::super::range::{self, ByteRange};
use super::{empty, set_header, stored, Call};
use crate::http_util::{http_date, object_body};
use crate::operation::Operation;
use crate::storage::{NewObject, ObjectMeta};

/// `response-*` query parameters and the headers they override on GetObject.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

/// PutObject: streams the body to disk, checks `Content-MD5`, stores the object.
pub(crate) async fn put(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let attributes = call.attributes()?;
    let received = call.receive_upload(body).await?;
    let md5 = received.md5;
    let new = NewObject::normal(key, received, attributes, call.now());
    let meta = call
        .app
        .storage
        .put_object(call.req.bucket(), new, call.forbid_overwrite())
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(stored(&meta.etag, &md5, meta.crc64))
}

/// AppendObject (`POST ?append&position=P`): appends the body to an appendable object (created
/// at position 0); answers the next position and the whole object's CRC-64.
pub(crate) async fn append(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let text = call.req.query_value("position").unwrap_or("");
    let position = text.parse::<u64>().map_err(|_| {
        OssError::invalid_argument("position must be a non-negative integer.", "position", text)
    })?;
    let attributes = call.attributes()?;
    let received = call.receive_upload(body).await?;
    let meta = call
        .app
        .storage
        .append_object(
            call.req.bucket(),
            key,
            position,
            received,
            attributes,
            call.now(),
        )
        .await
        .map_err(|e| call.store_error(e))?;
    let mut response = empty(StatusCode::OK);
    set_header(&mut response, "etag", &meta.etag);
    set_header(
        &mut response,
        "x-oss-next-append-position",
        &meta.size.to_string(),
    );
    set_header(
        &mut response,
        "x-oss-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

/// GetObjectMeta (`HEAD ?objectMeta`): size, ETag, time and CRC-64, without the rest of
/// HeadObject's headers.
pub(crate) async fn get_meta(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let meta = call.object_meta(key).await?;
    let mut response = empty(StatusCode::OK);
    set_header(&mut response, "content-length", &meta.size.to_string());
    set_header(&mut response, "etag", &meta.etag);
    set_header(&mut response, "last-modified", &last_modified(&meta));
    set_header(
        &mut response,
        "x-oss-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

fn last_modified(meta: &ObjectMeta) -> String {
    http_date(DateTime::from_timestamp(meta.last_modified, 0).unwrap_or_default())
}

/// The headers GetObject and HeadObject return for an object.
fn object_headers(response: &mut Response, meta: &ObjectMeta) {
    set_header(response, "content-type", &meta.attributes.content_type);
    set_header(response, "etag", &meta.etag);
    set_header(response, "last-modified", &last_modified(meta));
    set_header(response, "accept-ranges", "bytes");
    set_header(response, "x-oss-object-type", &meta.object_type);
    set_header(response, "x-oss-storage-class", "Standard");
    set_header(response, "x-oss-hash-crc64ecma", &meta.crc64.to_string());
    for (name, value) in meta
        .attributes
        .user_meta
        .iter()
        .chain(&meta.attributes.headers)
    {
        if let Ok(name) = axum::http::HeaderName::from_bytes(name.as_bytes()) {
            response
                .headers_mut()
                .insert(name, crate::http_util::header_value(value));
        }
    }
}

fn not_modified(meta: &ObjectMeta) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    set_header(&mut response, "etag", &meta.etag);
    set_header(&mut response, "last-modified", &last_modified(meta));
    response
}

/// Evaluates the preconditions `which` against `meta`: `Some(304 answer)`, a 412
/// `PreconditionFailed`, or `None` to go on.
pub(super) fn preconditions(
    call: &Call<'_>,
    which: conditional::Conditions,
    meta: &ObjectMeta,
) -> Result<Option<Response>, OssError> {
    match conditional::evaluate(call.req, which, &meta.etag, meta.last_modified) {
        Precondition::Proceed => Ok(None),
        Precondition::NotModified => Ok(Some(not_modified(meta))),
        Precondition::Failed(header) => Err(OssError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
        )
        .with("Condition", header)),
    }
}

/// GetObject (`head: false`) and HeadObject: conditionals, one byte range, streamed body.
pub(crate) async fn get(call: &Call<'_>, head: bool) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let (meta, data) = call
        .app
        .storage
        .open_object(call.req.bucket(), key)
        .await
        .map_err(|e| call.store_error(e))?;
    if let Some(answer) = preconditions(call, conditional::READ, &meta)? {
        return Ok(answer);
    }
    let range = if head {
        ByteRange::Whole
    } else {
        range::resolve(call.req.header("range"), meta.size)
    };
    let (status, first, length) = match range {
        ByteRange::Whole => (StatusCode::OK, 0, meta.size),
        ByteRange::Part { first, last } => (StatusCode::PARTIAL_CONTENT, first, last - first + 1),
        ByteRange::Unsatisfiable => {
            return Err(OssError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range cannot be satisfied.",
            )
            .with("RangeRequested", call.req.header("range").unwrap_or(""))
            .with("ActualObjectSize", meta.size.to_string())
            .with_header("content-range", format!("bytes */{}", meta.size)))
        }
    };
    let body = if head {
        Body::empty()
    } else {
        let counters = call.app.stats.shared(Operation::GetObject).clone();
        object_body(data, first, length, counters)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    object_headers(&mut response, &meta);
    set_header(&mut response, "content-length", &length.to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {first}-{}/{}", first + length - 1, meta.size);
        set_header(&mut response, "content-range", &range);
    }
    if !head {
        for (param, header) in RESPONSE_OVERRIDES {
            if let Some(value) = call.req.query_value(param) {
                set_header(&mut response, header, value);
            }
        }
    }
    Ok(response)
}

/// DeleteObject: 204 whether or not the object existed.
pub(crate) async fn delete(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    call.app
        .storage
        .delete_object(call.req.bucket(), key)
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(empty(StatusCode::NO_CONTENT))
}
