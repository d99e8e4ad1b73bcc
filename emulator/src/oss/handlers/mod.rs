//! The operations' handlers and what they share: body intake, integrity checks, attributes.

mod bucket;
mod listing;
mod multipart;
mod object;
mod paging;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

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
}

/// Runs the handler of `operation`.
pub(crate) async fn dispatch(
    call: &Call<'_>,
    operation: Operation,
    body: Body,
) -> Result<Response, OssError> {
    match operation {
        Operation::PutObject => object::put(call, body).await,
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

    /// `Content-Length`, which uploads must send: a body of unknown length (chunked transfer
    /// encoding) is 411 `MissingContentLength`; a request with neither header has no body.
    pub(crate) fn content_length(&self) -> Result<u64, OssError> {
        let declared = self.req.header("content-length");
        let chunked = self.req.header("transfer-encoding").is_some();
        let length = match declared {
            None if !chunked => Some(0),
            _ => declared.and_then(|v| v.trim().parse::<u64>().ok()),
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
        Ok(length)
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

    /// Streams the body to disk (at most `Content-Length` ≤ 5 GiB bytes) and checks its length
    /// and `Content-MD5`.
    pub(crate) async fn receive_upload(&self, body: Body) -> Result<ReceivedBody, OssError> {
        let length = self.content_length()?;
        self.content_md5()?;
        let received = storage::receive(body, self.app.storage.tmp_dir(), length, |n| {
            self.counters.add_bytes(n)
        })
        .await
        .map_err(receive_error)?;
        if received.size != length {
            return Err(incomplete(format!(
                "received {} of {length} bytes",
                received.size
            )));
        }
        self.check_md5(&received.md5)?;
        Ok(received)
    }

    /// What the request says about the object: content type, user metadata, kept headers.
    pub(crate) fn attributes(&self) -> ObjectAttributes {
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
        ObjectAttributes {
            content_type: self
                .req
                .header("content-type")
                .unwrap_or("application/octet-stream")
                .to_owned(),
            user_meta,
            headers,
        }
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
