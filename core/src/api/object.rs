//! PutObject, GetObject, HeadObject, DeleteObject.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use md5::{Digest, Md5};
use reqwest::Method;

use super::validate::{validate_bucket_name, validate_object_key};
use crate::client::{BodyProgress, Client, OssRequest, OssResponse};
use crate::crc64;
use crate::error::{Error, IntegrityCheck, Result};
use crate::transfer::section::{file_section, unfinished_body, Section};

/// Options of PutObject and InitiateMultipartUpload.
#[derive(Clone, Debug, Default)]
pub struct PutObjectOptions {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Send `Content-MD5` (computed here) so the server checks the bytes too.
    pub content_md5: bool,
    /// User metadata, sent as `x-oss-meta-<name>`.
    pub metadata: Vec<(String, String)>,
    /// `x-oss-forbid-overwrite: true`: fail with `FileAlreadyExists` if the key exists.
    pub forbid_overwrite: bool,
    /// `x-oss-object-acl`.
    pub acl: Option<String>,
    /// `x-oss-storage-class`.
    pub storage_class: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `x-oss-tagging` (URL query form, `a=1&b=2`).
    pub tagging: Option<String>,
    /// Any further headers.
    pub headers: Vec<(String, String)>,
}

impl PutObjectOptions {
    pub(crate) fn apply(&self, mut req: OssRequest) -> OssRequest {
        let optional = [
            ("Content-Type", &self.content_type),
            ("x-oss-object-acl", &self.acl),
            ("x-oss-storage-class", &self.storage_class),
            ("Cache-Control", &self.cache_control),
            ("Content-Disposition", &self.content_disposition),
            ("Content-Encoding", &self.content_encoding),
            ("x-oss-tagging", &self.tagging),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                req = req.header(name, v.clone());
            }
        }
        if self.forbid_overwrite {
            req = req.header("x-oss-forbid-overwrite", "true");
        }
        for (k, v) in &self.metadata {
            req = req.header(&format!("x-oss-meta-{}", k.to_ascii_lowercase()), v.clone());
        }
        for (k, v) in &self.headers {
            req = req.header(k, v.clone());
        }
        req
    }
}

/// What PutObject answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutObjectOutput {
    /// The ETag (quoted, as OSS returns it).
    pub etag: String,
    /// The object's CRC-64 (verified against the bytes sent).
    pub crc64: Option<u64>,
    /// `x-oss-version-id`, if versioning is on.
    pub version_id: Option<String>,
    /// `x-oss-request-id`.
    pub request_id: String,
}

/// Options of GetObject and HeadObject.
#[derive(Clone, Debug, Default)]
pub struct GetObjectOptions {
    /// A byte range `(first, last)` inclusive; `last = None` reads to the end.
    pub range: Option<(u64, Option<u64>)>,
    /// `If-Match`.
    pub if_match: Option<String>,
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// `If-Modified-Since` (HTTP date).
    pub if_modified_since: Option<String>,
    /// `If-Unmodified-Since` (HTTP date).
    pub if_unmodified_since: Option<String>,
}

impl GetObjectOptions {
    /// The GetObject request for `bucket/key` with these options.
    pub(crate) fn get_request(&self, bucket: &str, key: &str) -> Result<OssRequest> {
        Ok(self.apply(object_request(Method::GET, bucket, key)?))
    }

    fn apply(&self, mut req: OssRequest) -> OssRequest {
        if let Some((first, last)) = self.range {
            let last = last.map(|l| l.to_string()).unwrap_or_default();
            req = req.header("Range", format!("bytes={first}-{last}"));
        }
        let conditions = [
            ("If-Match", &self.if_match),
            ("If-None-Match", &self.if_none_match),
            ("If-Modified-Since", &self.if_modified_since),
            ("If-Unmodified-Since", &self.if_unmodified_since),
        ];
        for (name, value) in conditions {
            if let Some(v) = value {
                req = req.header(name, v.clone());
            }
        }
        req
    }
}

/// An object's metadata, from HeadObject or GetObject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object's size (for HeadObject and whole GETs) or the body's size (ranged GETs).
    pub content_length: u64,
    /// The ETag (quoted).
    pub etag: String,
    /// `Last-Modified` (HTTP date).
    pub last_modified: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `x-oss-object-type`: `Normal`, `Multipart` or `Appendable`.
    pub object_type: String,
    /// The whole object's CRC-64.
    pub crc64: Option<u64>,
    /// User metadata (`x-oss-meta-*`, names without the prefix).
    pub metadata: Vec<(String, String)>,
    /// `x-oss-version-id`.
    pub version_id: Option<String>,
    /// `x-oss-request-id`.
    pub request_id: String,
}

impl ObjectMeta {
    fn from_response(r: &OssResponse) -> Result<Self> {
        let metadata = r
            .headers
            .iter()
            .filter_map(|(k, v)| {
                let name = k.as_str().strip_prefix("x-oss-meta-")?;
                Some((name.to_owned(), v.to_str().ok()?.to_owned()))
            })
            .collect();
        Ok(Self {
            content_length: r.header("content-length").parse().unwrap_or(0),
            etag: r.header("etag").to_owned(),
            last_modified: r.header("last-modified").to_owned(),
            content_type: r.header("content-type").to_owned(),
            object_type: r.header("x-oss-object-type").to_owned(),
            crc64: parse_crc(r)?,
            metadata,
            version_id: Some(r.header("x-oss-version-id").to_owned()).filter(|v| !v.is_empty()),
            request_id: r.header("x-oss-request-id").to_owned(),
        })
    }
}

/// What GetObject answered.
#[derive(Clone, Debug)]
pub struct GetObjectOutput {
    /// Object metadata.
    pub meta: ObjectMeta,
    /// `Content-Range` for ranged reads.
    pub content_range: Option<String>,
    /// True when a condition (`If-None-Match`, `If-Modified-Since`) answered 304.
    pub not_modified: bool,
    /// The bytes read.
    pub body: Bytes,
}

impl GetObjectOutput {
    /// The output of one answer; a whole-object body must match the object's CRC-64.
    fn checked(r: OssResponse) -> Result<Self> {
        let meta = ObjectMeta::from_response(&r)?;
        if r.status == 200 {
            verify_crc(meta.crc64, crc64::checksum(&r.body))?;
        }
        Ok(Self {
            meta,
            content_range: Some(r.header("content-range").to_owned()).filter(|v| !v.is_empty()),
            not_modified: r.status == 304,
            body: r.body,
        })
    }
}

pub(crate) fn parse_crc(r: &OssResponse) -> Result<Option<u64>> {
    let value = r.header("x-oss-hash-crc64ecma");
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| {
        Error::InvalidResponse(format!("x-oss-hash-crc64ecma is not a number: {value:?}").into())
    })
}

/// Fails with [`Error::Integrity`] when the server's CRC differs from `local`.
pub(crate) fn verify_crc(server: Option<u64>, local: u64) -> Result<()> {
    match server {
        Some(s) if s != local => Err(Error::Integrity {
            check: IntegrityCheck::Crc64,
            expected: s.to_string(),
            actual: local.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Base64 of the MD5 of `bytes` (the `Content-MD5` header value).
pub fn content_md5(bytes: &[u8]) -> String {
    BASE64.encode(Md5::digest(bytes))
}

pub(crate) fn object_request(method: Method, bucket: &str, key: &str) -> Result<OssRequest> {
    validate_bucket_name(bucket)?;
    validate_object_key(key)?;
    Ok(OssRequest::new(method, Some(bucket), Some(key)))
}

impl Client {
    /// Uploads `body` as one object; verifies the CRC-64 the server returns.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: impl Into<Bytes>,
        options: &PutObjectOptions,
    ) -> Result<PutObjectOutput> {
        self.put_object_reporting(bucket, key, body.into(), options, None)
            .await
    }

    /// [`Client::put_object`], telling `progress` how much of the body was sent.
    pub(crate) async fn put_object_reporting(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        options: &PutObjectOptions,
        progress: Option<BodyProgress>,
    ) -> Result<PutObjectOutput> {
        let mut req = options.apply(object_request(Method::PUT, bucket, key)?);
        if options.content_md5 {
            req = req.header("Content-MD5", content_md5(&body));
        }
        let local_crc = crc64::checksum(&body);
        let mut req = req.body(body);
        req.progress = progress;
        let r = self.send_verified(&req, local_crc).await?;
        Ok(PutObjectOutput {
            etag: r.header("etag").to_owned(),
            crc64: parse_crc(&r)?,
            version_id: Some(r.header("x-oss-version-id").to_owned()).filter(|v| !v.is_empty()),
            request_id: r.header("x-oss-request-id").to_owned(),
        })
    }

    /// Uploads a local file in one PutObject, streamed from the file (never whole in memory) with
    /// its CRC-64 computed as it goes and checked against the server's; a retry reads the file
    /// again. OSS takes up to 5 GiB this way; [`Client::upload`] sends larger files in parts.
    pub async fn put_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        options: &PutObjectOptions,
    ) -> Result<PutObjectOutput> {
        let section = file_section(path).await?;
        let mut req = options.apply(object_request(Method::PUT, bucket, key)?);
        if options.content_md5 {
            req = req.header("Content-MD5", section.content_md5().await?);
        }
        let (r, _) = self.send_section_verified(&req, &section, None).await?;
        Ok(PutObjectOutput {
            etag: r.header("etag").to_owned(),
            crc64: parse_crc(&r)?,
            version_id: Some(r.header("x-oss-version-id").to_owned()).filter(|v| !v.is_empty()),
            request_id: r.header("x-oss-request-id").to_owned(),
        })
    }

    /// Sends `req` with `section` as its body, streamed (read again for each attempt), and checks
    /// the CRC-64 in the answer against the one computed as the bytes went. Returns the answer
    /// and that CRC-64.
    pub(crate) async fn send_section_verified(
        &self,
        req: &OssRequest,
        section: &Section,
        progress: Option<BodyProgress>,
    ) -> Result<(OssResponse, u64)> {
        let mut retries = self.retries();
        loop {
            let (body, sent_crc) = section.body(progress.clone());
            let attempt = async {
                let sent = self.send_attempt_with(req, body, Some(section.len())).await;
                // A source that could not be read fails the attempt as itself (I/O, not retried),
                // not as the broken request the HTTP stack saw.
                if let Some(read_error) = sent_crc.take_read_error() {
                    return Err(read_error);
                }
                let r = sent?.read_body().await?;
                let local_crc = sent_crc.get().ok_or_else(unfinished_body)?;
                verify_crc(parse_crc(&r)?, local_crc)?;
                Ok((r, local_crc))
            };
            match attempt.await {
                Ok(answer) => return Ok(answer),
                Err(error) => retries.after(error).await?,
            }
        }
    }

    /// Sends a request carrying a body and checks the CRC-64 in the answer (a mismatch is retried
    /// under the retry policy like any transient failure).
    pub(crate) async fn send_verified(
        &self,
        req: &OssRequest,
        local_crc: u64,
    ) -> Result<OssResponse> {
        self.retrying(|| async {
            let r = self.send_attempt_read(req).await?;
            verify_crc(parse_crc(&r)?, local_crc)?;
            Ok(r)
        })
        .await
    }

    /// Reads an object (or a range of it) into memory. A whole-object read is checked against the
    /// object's CRC-64 (a mismatch is retried under the retry policy).
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        options: &GetObjectOptions,
    ) -> Result<GetObjectOutput> {
        let req = options.get_request(bucket, key)?;
        self.retrying(|| async { GetObjectOutput::checked(self.send_attempt_read(&req).await?) })
            .await
    }

    /// Reads an object's metadata.
    pub async fn head_object(
        &self,
        bucket: &str,
        key: &str,
        options: &GetObjectOptions,
    ) -> Result<ObjectMeta> {
        let req = options.apply(object_request(Method::HEAD, bucket, key)?);
        let r = self.send(&req).await?;
        ObjectMeta::from_response(&r)
    }

    /// Deletes an object (succeeds when it does not exist).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        let req = object_request(Method::DELETE, bucket, key)?;
        self.send(&req).await?;
        Ok(())
    }

    /// A presigned URL for `method` on the object, valid `expires_in` seconds.
    pub async fn presign_object(
        &self,
        method: Method,
        bucket: &str,
        key: &str,
        headers: Vec<(String, String)>,
        expires_in: u64,
    ) -> Result<String> {
        let mut req = object_request(method, bucket, key)?;
        req.headers = headers;
        self.presign(&req, expires_in).await
    }
}
