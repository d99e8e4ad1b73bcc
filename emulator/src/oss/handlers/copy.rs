//! CopyObject and UploadPartCopy: read a source object (`x-oss-copy-source`), same or
//! another bucket, under its `x-oss-copy-source-if-*` preconditions.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;

use super::super::conditional;
use super::super::copy_source::CopySource;
use super::super::error::OssError;
use super::super::range::{self, ByteRange};
use super::super::xml::Xml;
use super::bucket::iso;
use super::multipart::PartSlot;
use super::object::preconditions;
use super::{no_such_bucket, receive_error, set_header, xml, Call};
use crate::http_util::object_body;
use crate::storage::{self, CopyTarget, ObjectData, ObjectMeta, StoreError};

/// The source version, opened (its bytes stay readable), or the 304 its preconditions ask for.
enum Source {
    Open(ObjectMeta, ObjectData),
    NotModified(Response),
}

/// Opens the request's source object and checks `x-oss-copy-source-if-*` against it.
async fn open_source(call: &Call<'_>) -> Result<Source, OssError> {
    let source = CopySource::parse(call.req)?;
    if !call.app.storage.has_bucket(&source.bucket) {
        return Err(no_such_bucket(&source.bucket));
    }
    let (meta, data) = call
        .app
        .storage
        .open_object(&source.bucket, &source.key)
        .await
        .map_err(|e| match e {
            StoreError::NoSuchKey => OssError::new(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            )
            .with("Key", source.key.clone()),
            e => call.store_error(e),
        })?;
    Ok(
        match preconditions(call, conditional::COPY_SOURCE, &meta)? {
            Some(answer) => Source::NotModified(answer),
            None => Source::Open(meta, data),
        },
    )
}

/// `x-oss-metadata-directive`: whether the copy takes the request's metadata (`REPLACE`)
/// rather than the source's (`COPY`, the default).
fn replaces_metadata(call: &Call<'_>) -> Result<bool, OssError> {
    match call.req.header("x-oss-metadata-directive").map(str::trim) {
        None | Some("COPY") => Ok(false),
        Some("REPLACE") => Ok(true),
        Some(other) => Err(OssError::invalid_argument(
            "Unknown metadata directive.",
            "x-oss-metadata-directive",
            other,
        )),
    }
}

/// CopyObject: the destination gets the source's bytes, ETag and CRC-64 (its files are
/// hard-linked, not rewritten) and the source's or the request's metadata. The answer has the
/// ETag in the document and in the `ETag` header.
pub(crate) async fn copy_object(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let replace = replaces_metadata(call)?;
    let requested = call.attributes()?;
    let (meta, data) = match open_source(call).await? {
        Source::Open(meta, data) => (meta, data),
        Source::NotModified(answer) => return Ok(answer),
    };
    // The ACL is the request's either way (`default` without `x-oss-object-acl`).
    let attributes = if replace {
        requested
    } else {
        storage::ObjectAttributes {
            acl: requested.acl,
            ..meta.attributes.clone()
        }
    };
    let target = CopyTarget {
        bucket: call.req.bucket(),
        key,
        attributes,
        forbid_overwrite: call.forbid_overwrite(),
        now: call.now(),
    };
    let copied = call
        .app
        .storage
        .copy_object(&meta, &data, target)
        .await
        .map_err(|e| call.store_error(e))?;
    drop(data);
    let mut doc = Xml::new("CopyObjectResult");
    doc.elem("ETag", &copied.etag)
        .elem("LastModified", iso(copied.last_modified));
    let mut response = xml(doc.finish());
    set_header(&mut response, "etag", &copied.etag);
    set_header(
        &mut response,
        "x-oss-hash-crc64ecma",
        &copied.crc64.to_string(),
    );
    Ok(response)
}

/// The bytes `x-oss-copy-source-range: bytes=a-b` picks (the whole object without one, or
/// with one that is malformed); a range starting past the end is 416 `InvalidRange`.
fn source_range(call: &Call<'_>, size: u64) -> Result<(u64, u64), OssError> {
    let header = call.req.header("x-oss-copy-source-range");
    match range::resolve(header, size) {
        ByteRange::Whole => Ok((0, size)),
        ByteRange::Part { first, last } => Ok((first, last - first + 1)),
        ByteRange::Unsatisfiable => Err(OssError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range cannot be satisfied.",
        )
        .with("RangeRequested", header.unwrap_or(""))
        .with("ActualObjectSize", size.to_string())),
    }
}

/// UploadPartCopy: the part is a copy of (a range of) the source, hashed like an upload.
pub(crate) async fn upload_part_copy(call: &Call<'_>) -> Result<Response, OssError> {
    let slot = PartSlot::of(call).await?;
    let (meta, data) = match open_source(call).await? {
        Source::Open(meta, data) => (meta, data),
        Source::NotModified(answer) => return Ok(answer),
    };
    let (first, length) = source_range(call, meta.size)?;
    let bytes = object_body(data, first, length, Arc::default());
    let received = storage::receive(bytes, call.app.storage.tmp_dir(), length, |_| {})
        .await
        .map_err(receive_error)?;
    let part = slot.store(call, received).await?;
    let mut doc = Xml::new("CopyPartResult");
    doc.elem("LastModified", iso(part.last_modified / 1000))
        .elem("ETag", &part.etag);
    // oss2 reads the ETag from the header, the V2 SDKs from the document.
    let mut response = xml(doc.finish());
    set_header(&mut response, "etag", &part.etag);
    Ok(response)
}
