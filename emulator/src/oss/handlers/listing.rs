//! ListParts and ListMultipartUploads.

use std::collections::BTreeSet;

use axum::response::Response;
use chrono::{DateTime, SecondsFormat};

use super::super::error::OssError;
use super::super::xml::{maybe_encoded, Xml};
use super::{xml, Call};
use crate::storage::UploadMeta;

/// The most entries one page holds (and the default).
const MAX_PAGE: u32 = 1000;

/// `2012-02-23T07:01:34.000Z`.
fn iso_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A page size parameter: 1..=1000, default 1000.
fn page_size(call: &Call<'_>, name: &str) -> Result<u32, OssError> {
    match call.req.query_value(name) {
        None => Ok(MAX_PAGE),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                OssError::invalid_argument(
                    format!("{name} must be an integer between 1 and {MAX_PAGE}."),
                    name,
                    value,
                )
            }),
    }
}

/// ListParts: ascending, after `part-number-marker`, at most `max-parts`.
pub(crate) async fn list_parts(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let bucket = call.req.bucket();
    let id = call.req.query_value("uploadId").unwrap_or("");
    let max = page_size(call, "max-parts")?;
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
    let (_, parts) = call
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
        .elem("IsTruncated", truncated);
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

/// One page of ListMultipartUploads.
#[derive(Default)]
struct UploadsPage<'a> {
    uploads: Vec<&'a UploadMeta>,
    prefixes: BTreeSet<String>,
    truncated: bool,
    next: Option<(&'a str, &'a str)>,
}

/// Pages `uploads` (sorted by key, then upload id) after the markers, grouping keys by
/// `delimiter` into common prefixes.
fn paginate<'a>(
    uploads: &'a [UploadMeta],
    prefix: &str,
    delimiter: &str,
    markers: (&str, &str),
    max: usize,
) -> UploadsPage<'a> {
    let (key_marker, id_marker) = markers;
    let mut page = UploadsPage::default();
    let after_marker = |u: &&UploadMeta| {
        key_marker.is_empty()
            || u.key.as_str() > key_marker
            || (u.key == key_marker && !id_marker.is_empty() && u.upload_id.as_str() > id_marker)
    };
    for upload in uploads
        .iter()
        .filter(|u| u.key.starts_with(prefix))
        .filter(after_marker)
    {
        let grouped = (!delimiter.is_empty())
            .then(|| upload.key[prefix.len()..].find(delimiter))
            .flatten()
            .map(|i| upload.key[..prefix.len() + i + delimiter.len()].to_owned());
        if grouped.as_ref().is_some_and(|p| page.prefixes.contains(p)) {
            continue;
        }
        if page.uploads.len() + page.prefixes.len() == max {
            page.truncated = true;
            break;
        }
        match grouped {
            Some(p) => {
                page.prefixes.insert(p);
            }
            None => page.uploads.push(upload),
        }
        page.next = Some((&upload.key, &upload.upload_id));
    }
    page
}

/// ListMultipartUploads: `prefix`, `delimiter`, `key-marker`, `upload-id-marker`,
/// `max-uploads`.
pub(crate) async fn list_uploads(call: &Call<'_>) -> Result<Response, OssError> {
    let bucket = call.req.bucket();
    let max = page_size(call, "max-uploads")?;
    let param = |name| call.req.query_value(name).unwrap_or("");
    let (prefix, delimiter) = (param("prefix"), param("delimiter"));
    let (key_marker, id_marker) = (param("key-marker"), param("upload-id-marker"));
    let all = call
        .app
        .storage
        .uploads(bucket)
        .await
        .map_err(|e| call.store_error(e))?;
    let page = paginate(
        &all,
        prefix,
        delimiter,
        (key_marker, id_marker),
        max as usize,
    );
    let encode = call.req.url_encoding();
    let enc = |s: &str| maybe_encoded(s, encode);
    let (next_key, next_id) = match (page.truncated, page.next) {
        (true, Some((k, id))) => (k, id),
        _ => ("", ""),
    };
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
    for upload in &page.uploads {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(key: &str, id: &str) -> UploadMeta {
        UploadMeta {
            upload_id: id.into(),
            key: key.into(),
            initiated: 0,
            attributes: Default::default(),
        }
    }

    #[test]
    fn pages_with_markers_and_delimiters() {
        let all = vec![
            upload("a", "1"),
            upload("a", "2"),
            upload("b/x", "3"),
            upload("b/y", "4"),
            upload("c", "5"),
        ];
        let p = paginate(&all, "", "", ("", ""), 2);
        assert_eq!(p.uploads.len(), 2);
        assert!(p.truncated);
        assert_eq!(p.next, Some(("a", "2")));
        let p = paginate(&all, "", "", ("a", "1"), 10);
        assert_eq!(
            p.uploads
                .iter()
                .map(|u| u.upload_id.as_str())
                .collect::<Vec<_>>(),
            ["2", "3", "4", "5"]
        );
        let p = paginate(&all, "", "", ("a", ""), 10);
        assert_eq!(p.uploads.len(), 3);
        let p = paginate(&all, "", "/", ("", ""), 10);
        assert_eq!(p.uploads.len(), 3);
        assert_eq!(p.prefixes.iter().collect::<Vec<_>>(), ["b/"]);
        let p = paginate(&all, "b/", "", ("", ""), 10);
        assert_eq!(p.uploads.len(), 2);
        assert!(!p.truncated);
    }
}
