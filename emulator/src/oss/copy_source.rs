//! `x-oss-copy-source: /<bucket>/<URL-encoded key>`: the object CopyObject and UploadPartCopy
//! read.

use axum::http::StatusCode;

use super::error::OssError;
use super::request::OssRequest;
use crate::http_util;

/// The header naming the source object.
const HEADER: &str = "x-oss-copy-source";

/// The source object of a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CopySource {
    pub(crate) bucket: String,
    /// The key, decoded.
    pub(crate) key: String,
}

fn invalid(value: &str) -> OssError {
    OssError::invalid_argument(
        "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
        HEADER,
        value,
    )
}

impl CopySource {
    /// Reads the request's `x-oss-copy-source`; a source version (`?versionId=`) is not
    /// implemented (the emulator has no versioning).
    pub(crate) fn parse(req: &OssRequest) -> Result<CopySource, OssError> {
        let raw = req.header(HEADER).unwrap_or("");
        let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
        if !query.is_empty() {
            return Err(OssError::new(
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                "The emulator has no versioning: x-oss-copy-source cannot name a version.",
            ));
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        let (bucket, key) = path
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
            .ok_or_else(|| invalid(raw))?;
        let key = http_util::percent_decode(key).ok_or_else(|| invalid(raw))?;
        Ok(CopySource {
            bucket: bucket.to_owned(),
            key,
        })
    }
}
