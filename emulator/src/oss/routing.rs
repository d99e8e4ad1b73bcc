//! Which operation a request is.

use axum::http::{Method, StatusCode};

use super::error::OssError;
use super::request::OssRequest;
use crate::operation::Operation;

/// Query parameters that select or parameterize the implemented operations, or carry
/// signatures; any other sub-resource (`acl`, `tagging`, …) is an unimplemented operation.
fn is_understood(name: &str) -> bool {
    matches!(
        name,
        "uploads"
            | "uploadId"
            | "partNumber"
            | "continuation-token"
            | "security-token"
            | "OSSAccessKeyId"
            | "Expires"
            | "Signature"
    ) || name.starts_with("response-")
        || name.starts_with("x-oss-")
}

fn not_implemented(req: &OssRequest) -> OssError {
    OssError::new(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        format!(
            "The emulator does not implement this operation ({} {}{}).",
            req.method,
            if req.key.is_some() {
                "object"
            } else if req.bucket.is_some() {
                "bucket"
            } else {
                "service"
            },
            req.query
                .iter()
                .find(|(k, _)| ossdirect::sign::v1::is_sub_resource(k) && !is_understood(k))
                .map(|(k, _)| format!(" ?{k}"))
                .unwrap_or_default()
        ),
    )
}

/// The operation a request asks for; `NotImplemented` for anything else.
pub(crate) fn route(req: &OssRequest) -> Result<Operation, OssError> {
    let unknown_sub_resource = req
        .query
        .iter()
        .any(|(k, _)| ossdirect::sign::v1::is_sub_resource(k) && !is_understood(k));
    if unknown_sub_resource {
        return Err(not_implemented(req));
    }
    let upload = req.has_query("uploadId");
    let op = if req.bucket.is_none() {
        match req.method {
            Method::GET => Operation::ListBuckets,
            _ => return Err(not_implemented(req)),
        }
    } else if req.key.is_some() {
        match req.method {
            Method::PUT if upload || req.has_query("partNumber") => Operation::UploadPart,
            Method::PUT => Operation::PutObject,
            Method::GET if upload => Operation::ListParts,
            Method::GET => Operation::GetObject,
            Method::HEAD => Operation::HeadObject,
            Method::DELETE if upload => Operation::AbortMultipartUpload,
            Method::DELETE => Operation::DeleteObject,
            Method::POST if req.has_query("uploads") => Operation::InitiateMultipartUpload,
            Method::POST if upload => Operation::CompleteMultipartUpload,
            _ => return Err(not_implemented(req)),
        }
    } else {
        match req.method {
            Method::GET if req.has_query("uploads") => Operation::ListMultipartUploads,
            Method::GET => Operation::ListObjects,
            _ => return Err(not_implemented(req)),
        }
    };
    Ok(op)
}
