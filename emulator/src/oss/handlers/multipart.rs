//! InitiateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use md5::{Digest, Md5};
use serde::Deserialize;

use super::super::error::OssError;
use super::super::xml::{maybe_encoded, Xml};
use super::{empty, receive_error, set_header, stored, xml, Call};
use crate::storage::{self, PartMeta};

/// Part numbers OSS accepts.
const PART_NUMBERS: std::ops::RangeInclusive<u32> = 1..=10_000;
/// The largest CompleteMultipartUpload body accepted.
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

fn upload_id<'a>(call: &'a Call<'_>) -> &'a str {
    call.req.query_value("uploadId").unwrap_or("")
}

/// Fails with `NoSuchUpload` unless the request's upload exists (checked before a body is read).
async fn existing_upload(call: &Call<'_>, key: &str, id: &str) -> Result<(), OssError> {
    call.app
        .storage
        .upload(call.req.bucket(), key, id)
        .await
        .map(|_| ())
        .map_err(|e| call.store_error(e))
}

/// InitiateMultipartUpload: records the upload and its object attributes.
pub(crate) async fn initiate(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let bucket = call.req.bucket();
    let attributes = call.attributes()?;
    if call.forbid_overwrite() && call.app.storage.object_meta(bucket, key).await.is_ok() {
        return Err(call.store_error(storage::StoreError::FileAlreadyExists));
    }
    let upload = call
        .app
        .storage
        .create_upload(bucket, key, attributes, call.now_ms())
        .await
        .map_err(|e| call.store_error(e))?;
    let encode = call.req.url_encoding();
    let mut doc = Xml::new("InitiateMultipartUploadResult");
    if encode {
        doc.elem("EncodingType", "url");
    }
    doc.elem("Bucket", bucket)
        .elem("Key", maybe_encoded(key, encode))
        .elem("UploadId", &upload.upload_id);
    Ok(xml(doc.finish()))
}

fn part_number(call: &Call<'_>) -> Result<u32, OssError> {
    let value = call.req.query_value("partNumber").unwrap_or("");
    value
        .parse::<u32>()
        .ok()
        .filter(|n| PART_NUMBERS.contains(n))
        .ok_or_else(|| {
            OssError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
                "partNumber",
                value,
            )
        })
}

/// The part an UploadPart or UploadPartCopy writes: key, existing upload and part number.
pub(super) struct PartSlot<'a> {
    key: &'a str,
    upload_id: &'a str,
    number: u32,
}

impl<'a> PartSlot<'a> {
    /// Checks the key, the part number and that the upload exists (before a body is read).
    pub(super) async fn of(call: &'a Call<'_>) -> Result<PartSlot<'a>, OssError> {
        let key = call.req.object_key()?;
        let number = part_number(call)?;
        let upload_id = upload_id(call);
        existing_upload(call, key, upload_id).await?;
        Ok(PartSlot {
            key,
            upload_id,
            number,
        })
    }

    /// Stores the received bytes as the part.
    pub(super) async fn store(
        &self,
        call: &Call<'_>,
        received: storage::ReceivedBody,
    ) -> Result<PartMeta, OssError> {
        call.app
            .storage
            .put_part(
                call.req.bucket(),
                self.key,
                self.upload_id,
                self.number,
                received,
                call.now_ms(),
            )
            .await
            .map_err(|e| call.store_error(e))
    }
}

/// UploadPart: checks the part number and upload, streams the part to disk.
pub(crate) async fn upload_part(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let slot = PartSlot::of(call).await?;
    let received = call.receive_upload(body).await?;
    let md5 = received.md5;
    let part = slot.store(call, received).await?;
    Ok(stored(&part.etag, &md5, part.crc64))
}

#[derive(Deserialize)]
struct CompleteDocument {
    #[serde(rename = "Part", default)]
    parts: Vec<CompletePart>,
}

#[derive(Deserialize)]
struct CompletePart {
    #[serde(rename = "PartNumber")]
    part_number: u32,
    #[serde(rename = "ETag")]
    etag: String,
}

pub(super) fn malformed_xml(why: impl std::fmt::Display) -> OssError {
    OssError::new(
        StatusCode::BAD_REQUEST,
        "MalformedXML",
        format!("The XML you provided was not well-formed or did not validate against our published schema: {why}."),
    )
}

/// The part list of a Complete body; `None` with `x-oss-complete-all: yes` (body must be empty).
async fn selection(call: &Call<'_>, body: Body) -> Result<Option<Vec<(u32, String)>>, OssError> {
    let bytes = storage::read_small(body, MAX_COMPLETE_BODY, |n| call.counters.add_bytes(n))
        .await
        .map_err(receive_error)?;
    let digest: [u8; 16] = Md5::digest(&bytes).into();
    call.check_md5(&digest)?;
    let complete_all = call
        .req
        .header("x-oss-complete-all")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"));
    if complete_all {
        if !bytes.is_empty() {
            return Err(OssError::invalid_argument(
                "Should not specify both complete all header and http body.",
                "x-oss-complete-all",
                "yes",
            ));
        }
        return Ok(None);
    }
    parse_complete(&bytes).map(Some)
}

/// The `(part number, ETag)` list of a `<CompleteMultipartUpload>` document.
pub(crate) fn parse_complete(bytes: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let text = std::str::from_utf8(bytes).map_err(malformed_xml)?;
    let doc: CompleteDocument = quick_xml::de::from_str(text).map_err(malformed_xml)?;
    if doc.parts.is_empty() {
        return Err(malformed_xml("no Part elements"));
    }
    Ok(doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect())
}

/// CompleteMultipartUpload: joins the listed (or all) parts into the object.
pub(crate) async fn complete(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let (bucket, id) = (call.req.bucket(), upload_id(call));
    existing_upload(call, key, id).await?;
    let selection = selection(call, body).await?;
    let meta = call
        .app
        .storage
        .complete_upload(
            bucket,
            key,
            id,
            selection,
            call.forbid_overwrite(),
            call.now(),
        )
        .await
        .map_err(|e| call.store_error(e))?;
    let encode = call.req.url_encoding();
    let mut doc = Xml::new("CompleteMultipartUploadResult");
    if encode {
        doc.elem("EncodingType", "url");
    }
    doc.elem(
        "Location",
        format!(
            "http://{}/{bucket}/{}",
            call.req.host,
            ossdirect::sign::uri_encode_path(key)
        ),
    )
    .elem("Bucket", bucket)
    .elem("Key", maybe_encoded(key, encode))
    .elem("ETag", &meta.etag);
    let mut response = xml(doc.finish());
    set_header(&mut response, "etag", &meta.etag);
    set_header(
        &mut response,
        "x-oss-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

/// AbortMultipartUpload: 204, or `NoSuchUpload`.
pub(crate) async fn abort(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    call.app
        .storage
        .abort_upload(call.req.bucket(), key, upload_id(call))
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(empty(StatusCode::NO_CONTENT))
}
