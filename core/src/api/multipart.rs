//! Multipart uploads: Initiate, UploadPart, Complete, Abort, ListParts, ListMultipartUploads.

use bytes::Bytes;
use reqwest::Method;
use serde::Deserialize;

use super::object::{content_md5, object_request, parse_crc, verify_crc, PutObjectOptions};
use super::validate::validate_bucket_name;
use super::xml::{escape, parse, url_decoded};
use crate::client::{BodyProgress, Client, OssRequest};
use crate::crc64;
use crate::error::{Error, Result};
use crate::transfer::section::Section;

/// Largest part number OSS accepts.
pub const MAX_PARTS: u32 = 10_000;

/// A part that was uploaded: what Complete needs, and what integrity checks use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedPart {
    /// 1..=10000.
    pub part_number: u32,
    /// The ETag (quoted).
    pub etag: String,
    /// CRC-64 of the part's bytes.
    pub crc64: Option<u64>,
    /// The part's size in bytes.
    pub size: u64,
}

/// Options of CompleteMultipartUpload.
#[derive(Clone, Debug, Default)]
pub struct CompleteOptions {
    /// `x-oss-forbid-overwrite: true`.
    pub forbid_overwrite: bool,
    /// `x-oss-complete-all: yes`: take every uploaded part (the part list is not sent).
    pub complete_all: bool,
}

/// What CompleteMultipartUpload answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompleteMultipartUploadOutput {
    /// The object's ETag (`"<HEX>-<parts>"`).
    pub etag: String,
    /// The object's CRC-64 (checked against the parts' combined CRC when all are known).
    pub crc64: Option<u64>,
    /// `Location`.
    pub location: String,
    /// `x-oss-request-id`.
    pub request_id: String,
}

/// A part as ListParts reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartInfo {
    /// Part number.
    pub part_number: u32,
    /// ETag (quoted).
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// `LastModified`.
    pub last_modified: String,
    /// The part's CRC-64, if the server reports it.
    pub crc64: Option<u64>,
}

/// One ListParts page: its parts and, when it is truncated, the marker of the next page.
pub(crate) fn parse_parts_page(body: &[u8]) -> Result<(Vec<PartInfo>, Option<String>)> {
    let page: ListPartsResult = parse(body, "ListPartsResult")?;
    let parts = page
        .parts
        .into_iter()
        .map(|p| PartInfo {
            part_number: p.part_number,
            etag: p.etag,
            size: p.size,
            last_modified: p.last_modified,
            crc64: p.hash_crc64ecma.and_then(|c| c.parse().ok()),
        })
        .collect();
    let next = match page.next_part_number_marker {
        Some(marker) if page.is_truncated && !marker.is_empty() => Some(marker),
        _ => None,
    };
    Ok((parts, next))
}

/// An upload in progress, as ListMultipartUploads reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartUploadInfo {
    /// Object key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// `Initiated`.
    pub initiated: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateResult {
    upload_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CompleteResult {
    #[serde(default)]
    location: String,
    #[serde(rename = "ETag", default)]
    etag: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPartsResult {
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_part_number_marker: Option<String>,
    #[serde(default, rename = "Part")]
    parts: Vec<ListedPart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedPart {
    part_number: u32,
    #[serde(rename = "ETag")]
    etag: String,
    size: u64,
    #[serde(default)]
    last_modified: String,
    #[serde(default)]
    hash_crc64ecma: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUploadsResult {
    #[serde(default)]
    encoding_type: Option<String>,
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_key_marker: Option<String>,
    #[serde(default)]
    next_upload_id_marker: Option<String>,
    #[serde(default, rename = "Upload")]
    uploads: Vec<ListedUpload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedUpload {
    key: String,
    upload_id: String,
    #[serde(default)]
    initiated: String,
}

fn check_part_number(part_number: u32) -> Result<()> {
    if (1..=MAX_PARTS).contains(&part_number) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "part number must be 1-{MAX_PARTS}, got {part_number}"
        )))
    }
}

/// The body of CompleteMultipartUpload for `parts` (sorted by part number).
fn complete_body(parts: &[UploadedPart]) -> String {
    let mut sorted: Vec<&UploadedPart> = parts.iter().collect();
    sorted.sort_by_key(|p| p.part_number);
    let mut xml = String::from("<CompleteMultipartUpload>");
    for p in sorted {
        xml.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
            p.part_number,
            escape(&p.etag)
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

/// The whole object's CRC from its parts' CRCs, if every part has one.
pub fn combined_crc(parts: &[UploadedPart]) -> Option<u64> {
    let mut sorted: Vec<&UploadedPart> = parts.iter().collect();
    sorted.sort_by_key(|p| p.part_number);
    sorted
        .iter()
        .try_fold(0u64, |acc, p| Some(crc64::combine(acc, p.crc64?, p.size)))
}

/// Which part of which multipart upload a request sends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PartTarget<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) key: &'a str,
    pub(crate) upload_id: &'a str,
    pub(crate) part_number: u32,
}

/// The bytes of a part, and how they are sent.
pub(crate) struct PartBody {
    /// The part's bytes.
    pub(crate) bytes: Bytes,
    /// Send `Content-MD5`.
    pub(crate) with_md5: bool,
    /// Told how many bytes were sent so far.
    pub(crate) progress: Option<BodyProgress>,
}

impl Client {
    /// Starts a multipart upload; returns its upload id.
    pub async fn initiate_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        options: &PutObjectOptions,
    ) -> Result<String> {
        let req = options.apply(object_request(Method::POST, bucket, key)?.query("uploads", None));
        let r = self.send(&req).await?;
        let result: InitiateResult = parse(&r.body, "InitiateMultipartUploadResult")?;
        Ok(result.upload_id)
    }

    /// Uploads one part; verifies its CRC-64 against the server's.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: impl Into<Bytes>,
        with_md5: bool,
    ) -> Result<UploadedPart> {
        let body = PartBody {
            bytes: body.into(),
            with_md5,
            progress: None,
        };
        self.upload_part_reporting(bucket, key, upload_id, part_number, body)
            .await
    }

    /// [`Client::upload_part`], telling the body's `progress` how much of the part was sent.
    pub(crate) async fn upload_part_reporting(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: PartBody,
    ) -> Result<UploadedPart> {
        let PartBody {
            bytes: body,
            with_md5,
            progress,
        } = body;
        check_part_number(part_number)?;
        let mut req = object_request(Method::PUT, bucket, key)?
            .query("partNumber", Some(&part_number.to_string()))
            .query("uploadId", Some(upload_id));
        if with_md5 {
            req = req.header("Content-MD5", content_md5(&body));
        }
        let local_crc = crc64::checksum(&body);
        let size = body.len() as u64;
        let mut req = req.body(body);
        req.progress = progress;
        let r = self.send_verified(&req, local_crc).await?;
        Ok(UploadedPart {
            part_number,
            etag: r.header("etag").to_owned(),
            crc64: Some(local_crc),
            size,
        })
    }

    /// Uploads one part streamed from `section` of its source (read again for each attempt, and
    /// once before for `Content-MD5`); verifies its CRC-64, computed as the bytes went, against
    /// the server's.
    pub(crate) async fn upload_part_section(
        &self,
        target: PartTarget<'_>,
        section: &Section,
        with_md5: bool,
        progress: Option<BodyProgress>,
    ) -> Result<UploadedPart> {
        let PartTarget {
            bucket,
            key,
            upload_id,
            part_number,
        } = target;
        check_part_number(part_number)?;
        let mut req = object_request(Method::PUT, bucket, key)?
            .query("partNumber", Some(&part_number.to_string()))
            .query("uploadId", Some(upload_id));
        if with_md5 {
            req = req.header("Content-MD5", section.content_md5().await?);
        }
        let (r, local_crc) = self.send_section_verified(&req, section, progress).await?;
        Ok(UploadedPart {
            part_number,
            etag: r.header("etag").to_owned(),
            crc64: Some(local_crc),
            size: section.len(),
        })
    }

    /// Completes a multipart upload from `parts`; when every part's CRC is known, checks the
    /// object's CRC-64 against their combination.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[UploadedPart],
        options: &CompleteOptions,
    ) -> Result<CompleteMultipartUploadOutput> {
        let mut req = object_request(Method::POST, bucket, key)?.query("uploadId", Some(upload_id));
        if options.forbid_overwrite {
            req = req.header("x-oss-forbid-overwrite", "true");
        }
        if options.complete_all {
            req = req.header("x-oss-complete-all", "yes");
        } else {
            let body = complete_body(parts);
            req = req
                .header("Content-MD5", content_md5(body.as_bytes()))
                .body(body);
        }
        let r = self.send(&req).await?;
        let result: CompleteResult = parse(&r.body, "CompleteMultipartUploadResult")?;
        let server_crc = parse_crc(&r)?;
        if !options.complete_all {
            if let Some(expected) = combined_crc(parts) {
                verify_crc(server_crc, expected)?;
            }
        }
        Ok(CompleteMultipartUploadOutput {
            etag: result.etag,
            crc64: server_crc,
            location: result.location,
            request_id: r.header("x-oss-request-id").to_owned(),
        })
    }

    /// Aborts a multipart upload, discarding its parts.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        let req = object_request(Method::DELETE, bucket, key)?.query("uploadId", Some(upload_id));
        self.send(&req).await?;
        Ok(())
    }

    /// Every part uploaded so far (all pages), ascending.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<PartInfo>> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut req =
                object_request(Method::GET, bucket, key)?.query("uploadId", Some(upload_id));
            if let Some(m) = &marker {
                req = req.query("part-number-marker", Some(m));
            }
            let r = self.send(&req).await?;
            let (page, next) = parse_parts_page(&r.body)?;
            parts.extend(page);
            match next {
                Some(next) => marker = Some(next),
                None => return Ok(parts),
            }
        }
    }

    /// Every multipart upload in progress in `bucket` whose key starts with `prefix` (all pages).
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<MultipartUploadInfo>> {
        validate_bucket_name(bucket)?;
        let mut uploads = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut req = OssRequest::new(Method::GET, Some(bucket), None)
                .query("uploads", None)
                .query("encoding-type", Some("url"));
            if let Some(p) = prefix {
                req = req.query("prefix", Some(p));
            }
            if let Some((key, id)) = &markers {
                req = req
                    .query("key-marker", Some(key))
                    .query("upload-id-marker", Some(id));
            }
            let r = self.send(&req).await?;
            let page: ListUploadsResult = parse(&r.body, "ListMultipartUploadsResult")?;
            let encoded = page.encoding_type.as_deref() == Some("url");
            for u in page.uploads {
                uploads.push(MultipartUploadInfo {
                    key: url_decoded(&u.key, encoded),
                    upload_id: u.upload_id,
                    initiated: u.initiated,
                });
            }
            match (
                page.is_truncated,
                page.next_key_marker,
                page.next_upload_id_marker,
            ) {
                (true, Some(k), Some(id)) => markers = Some((url_decoded(&k, encoded), id)),
                _ => return Ok(uploads),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_body_is_sorted_and_escaped() {
        let part = |n, etag: &str| UploadedPart {
            part_number: n,
            etag: etag.into(),
            crc64: None,
            size: 1,
        };
        let body = complete_body(&[part(2, "\"B\""), part(1, "\"A\"")]);
        assert_eq!(
            body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;A&quot;</ETag></Part>\
             <Part><PartNumber>2</PartNumber><ETag>&quot;B&quot;</ETag></Part></CompleteMultipartUpload>"
        );
    }

    #[test]
    fn combined_crc_of_parts_equals_whole() {
        let data: Vec<u8> = (0..250_000u32).map(|i| (i % 241) as u8).collect();
        let parts: Vec<UploadedPart> = data
            .chunks(100_000)
            .enumerate()
            .map(|(i, c)| UploadedPart {
                part_number: i as u32 + 1,
                etag: String::new(),
                crc64: Some(crc64::checksum(c)),
                size: c.len() as u64,
            })
            .collect();
        assert_eq!(combined_crc(&parts), Some(crc64::checksum(&data)));
    }
}
