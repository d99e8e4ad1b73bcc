//! The operations' handlers and what they share: body intake, integrity checks, attributes.

mod acl;
mod bucket;
mod buckets;
mod copy;
mod delete_multiple;
mod listing;
pub(crate) mod multipart;
mod object;
mod paging;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use super::auth::{self, Principal};
use super::authorize;
use super::error::OssError;
use super::request::OssRequest;
use crate::app::App;
use crate::crypto;
use crate::http_util::{self, header_value};
use crate::operation::Operation;
use crate::stats::OperationCounters;
use crate::storage::{self, ObjectAttributes, ReceiveError, ReceivedBody, StoreError};

/// The largest PutObject body and the largest part (5 GiB).
pub(crate) const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// One request being handled.
pub(crate) struct Call<'a> {
    pub(crate) app: &'a App,
    pub(crate) req: &'a OssRequest,
    pub(crate) counters: &'a OperationCounters,
    /// Who signed (`None`: anonymous, let through by an ACL).
    pub(crate) principal: Option<&'a Principal<'a>>,
}

/// Runs the handler of `operation`.
pub(crate) async fn dispatch(
    call: &Call<'_>,
    operation: Operation,
    body: Body,
) -> Result<Response, OssError> {
    match operation {
        Operation::PutObject => object::put(call, body).await,
        Operation::CopyObject => copy::copy_object(call).await,
        Operation::AppendObject => object::append(call, body).await,
        Operation::GetObjectMeta => object::get_meta(call).await,
        Operation::DeleteMultipleObjects => delete_multiple::delete_multiple(call, body).await,
        Operation::GetObjectAcl => acl::get_object_acl(call).await,
        Operation::PutObjectAcl => acl::put_object_acl(call).await,
        Operation::UploadPartCopy => copy::upload_part_copy(call).await,
        Operation::PutBucket => buckets::put_bucket(call, body).await,
        Operation::DeleteBucket => buckets::delete_bucket(call).await,
        Operation::GetBucketInfo => buckets::get_bucket_info(call).await,
        Operation::GetBucketLocation => buckets::get_bucket_location(call).await,
        Operation::GetBucketAcl => acl::get_bucket_acl(call).await,
        Operation::GetObject => object::get(call, false).await,
        Operation::HeadObject => object::get(call, true).await,
        Operation::DeleteObject => object::delete(call).await,
        Operation::InitiateMultipartUpload => multipart::initiate(call).await,
        Operation::UploadPart => multipart::upload_part(call, body).await,
        Operation::CompleteMultipartUpload => multipart::complete(call, body).await,
        Operation::AbortMultipartUpload => multipart::abort(call).await,
        Operation::ListParts => listing::list_parts(call).await,
        Operation::ListMultipartUploads => listing::list_uploads(call).await,
        Operation::ListObjects => bucket::list_objects(call).await,
        Operation::ListBuckets => bucket::list_buckets(call).await,
        Operation::AssumeRole => Err(OssError::internal("AssumeRole is an STS operation")),
    }
}

impl Call<'_> {
    /// The emulator's time, Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.app.clock.now().timestamp()
    }

    /// The emulator's time, Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.app.clock.now().timestamp_millis()
    }

    /// Maps a storage failure to the OSS error, naming the request's key or upload.
    pub(crate) fn store_error(&self, error: StoreError) -> OssError {
        let key = self.req.key.clone().unwrap_or_default();
        let upload_id = self.req.query_value("uploadId").unwrap_or("").to_owned();
        let bad_request =
            |code: &str, message: String| OssError::new(StatusCode::BAD_REQUEST, code, message);
        match error {
            StoreError::NoSuchKey => OssError::new(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist.")
                .with("Key", key),
            StoreError::NoSuchBucket => no_such_bucket(self.req.bucket()),
            StoreError::BucketAlreadyExists => OssError::new(
                StatusCode::CONFLICT,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            )
            .with("BucketName", self.req.bucket()),
            StoreError::BucketNotEmpty => OssError::new(
                StatusCode::CONFLICT,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty.",
            )
            .with("BucketName", self.req.bucket()),
            StoreError::PositionNotEqualToLength { length } => OssError::new(
                StatusCode::CONFLICT,
                "PositionNotEqualToLength",
                "Position is not equal to file length.",
            )
            .with_header("x-oss-next-append-position", length.to_string()),
            StoreError::ObjectNotAppendable => OssError::new(
                StatusCode::CONFLICT,
                "ObjectNotAppendable",
                "The object is not appendable.",
            ),
            StoreError::NoSuchUpload => OssError::new(
                StatusCode::NOT_FOUND,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            )
            .with("UploadId", upload_id),
            StoreError::FileAlreadyExists => OssError::new(
                StatusCode::CONFLICT,
                "FileAlreadyExists",
                "The object you specified already exists and can not be overwritten.",
            ),
            StoreError::InvalidPartOrder => bad_request(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts list must be specified in order by part number.".to_owned(),
            )
            .with("UploadId", upload_id),
            StoreError::InvalidPart(why) => bad_request(
                "InvalidPart",
                format!("One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag: {why}."),
            )
            .with("UploadId", upload_id),
            e @ StoreError::EntityTooSmall { .. } => bad_request(
                "EntityTooSmall",
                format!("Your proposed upload is smaller than the minimum allowed size: {e}."),
            ),
            StoreError::Io(e) => OssError::internal(e),
        }
    }

    /// The body's declared length: `Content-Length`, or `None` for a chunked body (read up to
    /// the 5 GiB limit). A request with neither has no body; a `Content-Length` that is not a
    /// number is 411 `MissingContentLength`.
    pub(crate) fn content_length(&self) -> Result<Option<u64>, OssError> {
        let chunked = self
            .req
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            return Ok(None);
        }
        let length = match self.req.header("content-length") {
            None => Some(0),
            Some(v) => v.trim().parse::<u64>().ok(),
        };
        let length = length.ok_or_else(|| {
            OssError::new(
                StatusCode::LENGTH_REQUIRED,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            )
        })?;
        if length > MAX_OBJECT_SIZE {
            return Err(OssError::new(
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                format!("Your proposed upload exceeds the maximum allowed size of {MAX_OBJECT_SIZE} bytes."),
            )
            .with("MaxSizeAllowed", MAX_OBJECT_SIZE.to_string())
            .with("ProposedSize", length.to_string()));
        }
        Ok(Some(length))
    }

    /// Refuses with `AccessDenied` unless the signer may perform `action` on object `key` of
    /// the request's bucket.
    pub(crate) fn authorize_object(&self, action: &'static str, key: &str) -> Result<(), OssError> {
        let resource = self
            .app
            .directory
            .oss_resource(self.req.bucket(), Some(key));
        match self.principal {
            Some(principal) => {
                authorize::authorize(self.app, principal, action, &resource, self.req)
            }
            None => Err(auth::anonymous_refused()),
        }
    }

    /// The metadata of object `key` of the request's bucket (`NoSuchKey` if missing).
    pub(crate) async fn object_meta(&self, key: &str) -> Result<storage::ObjectMeta, OssError> {
        self.app
            .storage
            .object_meta(self.req.bucket(), key)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// `Content-MD5`, decoded; a malformed value is `InvalidDigest`.
    fn content_md5(&self) -> Result<Option<[u8; 16]>, OssError> {
        let Some(value) = self.req.header("content-md5") else {
            return Ok(None);
        };
        crypto::base64_decode(value.trim())
            .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
            .map(Some)
            .ok_or_else(|| invalid_digest(value))
    }

    /// Checks `Content-MD5` (if sent) against the MD5 of what arrived.
    pub(crate) fn check_md5(&self, actual: &[u8; 16]) -> Result<(), OssError> {
        match self.content_md5()? {
            Some(expected) if &expected != actual => {
                Err(invalid_digest(self.req.header("content-md5").unwrap_or("")))
            }
            _ => Ok(()),
        }
    }

    /// Streams the body to disk (at most `Content-Length`, or for a chunked body 5 GiB, bytes)
    /// and checks its length and `Content-MD5`.
    pub(crate) async fn receive_upload(&self, body: Body) -> Result<ReceivedBody, OssError> {
        let declared = self.content_length()?;
        self.content_md5()?;
        let limit = declared.unwrap_or(MAX_OBJECT_SIZE);
        let received = storage::receive(body, self.app.storage.tmp_dir(), limit, |n| {
            self.counters.add_bytes(n)
        })
        .await
        .map_err(receive_error)?;
        if let Some(length) = declared.filter(|l| received.size != *l) {
            return Err(incomplete(format!(
                "received {} of {length} bytes",
                received.size
            )));
        }
        self.check_md5(&received.md5)?;
        Ok(received)
    }

    /// `x-oss-object-acl`: `Some` ACL, or `None` for `default` or no header; another value is
    /// `InvalidArgument`.
    pub(crate) fn object_acl(&self) -> Result<Option<String>, OssError> {
        match self.req.header("x-oss-object-acl").map(str::trim) {
            None | Some("default") => Ok(None),
            Some(acl @ ("private" | "public-read" | "public-read-write")) => {
                Ok(Some(acl.to_owned()))
            }
            Some(other) => Err(OssError::invalid_argument(
                "no such object access control exists",
                "x-oss-object-acl",
                other,
            )),
        }
    }

    /// What the request says about the object: content type, user metadata, kept headers, ACL.
    pub(crate) fn attributes(&self) -> Result<ObjectAttributes, OssError> {
        let mut user_meta: Vec<(String, String)> = self
            .req
            .headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("x-oss-meta-"))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        user_meta.sort();
        let headers = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                self.req
                    .header(name)
                    .map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect();
        Ok(ObjectAttributes {
            content_type: self
                .req
                .header("content-type")
                .unwrap_or("application/octet-stream")
                .to_owned(),
            user_meta,
            headers,
            acl: self.object_acl()?,
        })
    }

    /// `x-oss-forbid-overwrite: true`.
    pub(crate) fn forbid_overwrite(&self) -> bool {
        self.req
            .header("x-oss-forbid-overwrite")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

/// Standard headers an object keeps and returns on reads.
const KEPT_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "expires",
];

/// 404 `NoSuchBucket`.
pub(crate) fn no_such_bucket(bucket: &str) -> OssError {
    OssError::new(
        StatusCode::NOT_FOUND,
        "NoSuchBucket",
        "The specified bucket does not exist.",
    )
    .with("BucketName", bucket)
}

fn invalid_digest(value: &str) -> OssError {
    OssError::new(
        StatusCode::BAD_REQUEST,
        "InvalidDigest",
        "The Content-MD5 you specified is not valid.",
    )
    .with("ContentMD5", value)
}

fn incomplete(why: String) -> OssError {
    OssError::new(
        StatusCode::BAD_REQUEST,
        "IncompleteBody",
        format!("You did not provide the number of bytes specified by the Content-Length HTTP header: {why}."),
    )
}

/// Maps a failure to receive a body.
pub(crate) fn receive_error(error: ReceiveError) -> OssError {
    match error {
        ReceiveError::TooLarge { limit } => OssError::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes."),
        ),
        ReceiveError::Incomplete(why) => incomplete(why),
        ReceiveError::Io(e) => OssError::internal(e),
    }
}

/// An answer with no body.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("0"));
    response
}

/// An XML document answer.
pub(crate) fn xml(document: String) -> Response {
    http_util::response(StatusCode::OK, "application/xml", document)
}

/// The answer to a stored upload (PutObject, UploadPart): `ETag`, `Content-MD5` and
/// `x-oss-hash-crc64ecma`.
pub(crate) fn stored(etag: &str, md5: &[u8; 16], crc64: u64) -> Response {
    let mut response = empty(StatusCode::OK);
    set_header(&mut response, "etag", etag);
    set_header(&mut response, "content-md5", &crypto::base64(md5));
    set_header(&mut response, "x-oss-hash-crc64ecma", &crc64.to_string());
    response
}

/// Adds a header to an answer.
pub(crate) fn set_header(response: &mut Response, name: &'static str, value: &str) {
    response.headers_mut().insert(name, header_value(value));
}
