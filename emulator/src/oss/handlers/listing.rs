//! ListParts and ListMultipartUploads.

use axum::response::Response;
use chrono::{DateTime, SecondsFormat};

use super::super::error::OssError;
use super::super::xml::{maybe_encoded, Xml};
use super::paging::{page_size, paginate, Keyed, MAX_PAGE};
use super::{xml, Call};
use crate::storage::UploadMeta;

/// `2012-02-23T07:01:34.000Z`.
fn iso_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The elements ListParts echoes from the `x-oss-meta-client-side-encryption-*` headers of
/// InitiateMultipartUpload (the SDKs' client-side encryption resumes uploads from them).
const CLIENT_ENCRYPTION: [(&str, &str); 6] = [
    (
        "ClientEncryptionKey",
        "x-oss-meta-client-side-encryption-key",
    ),
    (
        "ClientEncryptionStart",
        "x-oss-meta-client-side-encryption-start",
    ),
    (
        "ClientEncryptionCekAlg",
        "x-oss-meta-client-side-encryption-cek-alg",
    ),
    (
        "ClientEncryptionWrapAlg",
        "x-oss-meta-client-side-encryption-wrap-alg",
    ),
    (
        "ClientEncryptionDataSize",
        "x-oss-meta-client-side-encryption-data-size",
    ),
    (
        "ClientEncryptionPartSize",
        "x-oss-meta-client-side-encryption-part-size",
    ),
];

/// ListParts: ascending, after `part-number-marker`, at most `max-parts`.
pub(crate) async fn list_parts(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let bucket = call.req.bucket();
    let id = call.req.query_value("uploadId").unwrap_or("");
    let max = page_size(call, "max-parts", MAX_PAGE)?;
    let marker_text = call.req.query_value("part-number-marker").unwrap_or("");
    let marker = if marker_text.is_empty() {
        0
    } else {
        marker_text.parse::<u32>().map_err(|_| {
            OssError::invalid_argument(
                "part-number-marker must be an integer.",
                "part-number-marker",
                marker_text,
            )
        })?
    };
    let (upload, parts) = call
        .app
        .storage
        .parts(bucket, key, id)
        .await
        .map_err(|e| call.store_error(e))?;
    let after: Vec<_> = parts.iter().filter(|p| p.part_number > marker).collect();
    let page = &after[..after.len().min(max as usize)];
    let truncated = after.len() > page.len();
    let next = page.last().map_or(marker, |p| p.part_number);
    let encode = call.req.url_encoding();
    let mut doc = Xml::new("ListPartsResult");
    if encode {
        doc.elem("EncodingType", "url");
    }
    doc.elem("Bucket", bucket)
        .elem("Key", maybe_encoded(key, encode))
        .elem("UploadId", id)
        .elem("PartNumberMarker", marker)
        .elem("NextPartNumberMarker", next)
        .elem("MaxParts", max)
        .elem("IsTruncated", truncated)
        .elem("StorageClass", "Standard");
    for (element, header) in CLIENT_ENCRYPTION {
        let value = upload
            .attributes
            .user_meta
            .iter()
            .find(|(name, _)| name == header);
        if let Some((_, value)) = value {
            doc.elem(element, value);
        }
    }
    for part in page {
        doc.open("Part")
            .elem("PartNumber", part.part_number)
            .elem("LastModified", iso_millis(part.last_modified))
            .elem("ETag", &part.etag)
            .elem("HashCrc64ecma", part.crc64)
            .elem("Size", part.size)
            .close();
    }
    Ok(xml(doc.finish()))
}

impl Keyed for UploadMeta {
    fn key(&self) -> &str {
        &self.key
    }
}

/// ListMultipartUploads: `prefix`, `delimiter`, `key-marker`, `upload-id-marker`,
/// `max-uploads`.
pub(crate) async fn list_uploads(call: &Call<'_>) -> Result<Response, OssError> {
    let bucket = call.req.bucket();
    let max = page_size(call, "max-uploads", MAX_PAGE)?;
    let param = |name| call.req.query_value(name).unwrap_or("");
    let (prefix, delimiter) = (param("prefix"), param("delimiter"));
    let (key_marker, id_marker) = (param("key-marker"), param("upload-id-marker"));
    let all = call
        .app
        .storage
        .uploads(bucket)
        .await
        .map_err(|e| call.store_error(e))?;
    let after_marker = |u: &UploadMeta| {
        key_marker.is_empty()
            || u.key.as_str() > key_marker
            || (u.key == key_marker && !id_marker.is_empty() && u.upload_id.as_str() > id_marker)
    };
    let page = paginate(&all, prefix, delimiter, after_marker, max as usize);
    let encode = call.req.url_encoding();
    let enc = |s: &str| maybe_encoded(s, encode);
    // OSS names the last upload listed whether or not more follow.
    let (next_key, next_id) = page
        .last
        .map_or(("", ""), |u| (u.key.as_str(), u.upload_id.as_str()));
    let mut doc = Xml::new("ListMultipartUploadsResult");
    if encode {
        doc.elem("EncodingType", "url");
    }
    doc.elem("Bucket", bucket)
        .elem("KeyMarker", enc(key_marker))
        .elem("UploadIdMarker", id_marker)
        .elem("NextKeyMarker", enc(next_key))
        .elem("NextUploadIdMarker", next_id)
        .elem("Delimiter", enc(delimiter))
        .elem("Prefix", enc(prefix))
        .elem("MaxUploads", max)
        .elem("IsTruncated", page.truncated);
    for upload in &page.entries {
        doc.open("Upload")
            .elem("Key", enc(&upload.key))
            .elem("UploadId", &upload.upload_id)
            .elem("StorageClass", "Standard")
            .elem("Initiated", iso_millis(upload.initiated))
            .close();
    }
    for p in &page.prefixes {
        doc.open("CommonPrefixes").elem("Prefix", enc(p)).close();
    }
    Ok(xml(doc.finish()))
}
