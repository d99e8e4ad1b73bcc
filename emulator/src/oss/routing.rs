//! Which operation a request is.

use axum::http::{Method, StatusCode};

use super::error::OssError;
use super::request::OssRequest;
use crate::operation::Operation;

/// Query parameters every operation accepts: signatures, tokens, and `x-oss-*` options.
fn is_always_accepted(name: &str) -> bool {
    matches!(
        name,
        "security-token" | "OSSAccessKeyId" | "Expires" | "Signature"
    ) || name.starts_with("x-oss-")
}

/// Whether a query parameter selects an operation (a V1 sub-resource, or `regions`, which
/// selects DescribeRegions at the root although the signers do not list it).
fn is_selector(name: &str) -> bool {
    ossdirect::sign::v1::is_sub_resource(name) || name == "regions"
}

/// The sub-resources an operation takes besides the ones that select it.
fn accepts(operation: Operation, name: &str) -> bool {
    match operation {
        Operation::UploadPart | Operation::UploadPartCopy => {
            matches!(name, "uploadId" | "partNumber")
        }
        Operation::ListParts
        | Operation::AbortMultipartUpload
        | Operation::CompleteMultipartUpload => name == "uploadId",
        Operation::InitiateMultipartUpload | Operation::ListMultipartUploads => name == "uploads",
        Operation::GetObject => name.starts_with("response-"),
        Operation::ListObjects => name == "continuation-token",
        Operation::GetObjectAcl | Operation::PutObjectAcl | Operation::GetBucketAcl => {
            name == "acl"
        }
        Operation::GetObjectMeta => name == "objectMeta",
        Operation::AppendObject => matches!(name, "append" | "position"),
        Operation::DeleteMultipleObjects => name == "delete",
        Operation::GetBucketInfo => name == "bucketInfo",
        Operation::GetBucketLocation => name == "location",
        _ => false,
    }
}

/// The first selector the operation does not take (`None` for operations the emulator lacks).
fn stray_selector(req: &OssRequest, operation: Option<Operation>) -> Option<&str> {
    req.query.iter().map(|(k, _)| k.as_str()).find(|k| {
        is_selector(k) && !is_always_accepted(k) && !operation.is_some_and(|op| accepts(op, k))
    })
}

/// 501 `NotImplemented` for a request the emulator has no operation for.
pub(crate) fn not_implemented(req: &OssRequest) -> OssError {
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
            stray_selector(req, None)
                .map(|k| format!(" ?{k}"))
                .unwrap_or_default()
        ),
    )
}

/// The object operation a request asks for.
fn object_operation(req: &OssRequest) -> Option<Operation> {
    let has = |name| req.has_query(name);
    let upload = has("uploadId");
    let copy = req.header("x-oss-copy-source").is_some();
    let op = match req.method {
        Method::PUT if has("acl") => Operation::PutObjectAcl,
        Method::PUT if (upload || has("partNumber")) && copy => Operation::UploadPartCopy,
        Method::PUT if upload || has("partNumber") => Operation::UploadPart,
        Method::PUT if copy => Operation::CopyObject,
        Method::PUT => Operation::PutObject,
        Method::GET if has("acl") => Operation::GetObjectAcl,
        Method::GET if upload => Operation::ListParts,
        Method::GET => Operation::GetObject,
        Method::HEAD if has("objectMeta") => Operation::GetObjectMeta,
        Method::HEAD => Operation::HeadObject,
        Method::DELETE if upload => Operation::AbortMultipartUpload,
        Method::DELETE => Operation::DeleteObject,
        Method::POST if has("uploads") => Operation::InitiateMultipartUpload,
        Method::POST if upload => Operation::CompleteMultipartUpload,
        Method::POST if has("append") => Operation::AppendObject,
        _ => return None,
    };
    Some(op)
}

/// The bucket operation a request asks for.
fn bucket_operation(req: &OssRequest) -> Option<Operation> {
    let has = |name| req.has_query(name);
    let op = match req.method {
        Method::GET if has("uploads") => Operation::ListMultipartUploads,
        Method::GET if has("acl") => Operation::GetBucketAcl,
        Method::GET if has("bucketInfo") => Operation::GetBucketInfo,
        Method::GET if has("location") => Operation::GetBucketLocation,
        Method::GET => Operation::ListObjects,
        Method::PUT => Operation::PutBucket,
        Method::DELETE => Operation::DeleteBucket,
        Method::POST if has("delete") => Operation::DeleteMultipleObjects,
        _ => return None,
    };
    Some(op)
}

/// The operation a request asks for; `NotImplemented` for anything else (any sub-resource the
/// chosen operation does not take, such as `?tagging` or `?regions`, included).
pub(crate) fn route(req: &OssRequest) -> Result<Operation, OssError> {
    let op = if req.bucket.is_none() {
        (req.method == Method::GET).then_some(Operation::ListBuckets)
    } else if req.key.is_some() {
        object_operation(req)
    } else {
        bucket_operation(req)
    };
    match op {
        Some(op) if stray_selector(req, Some(op)).is_none() => Ok(op),
        _ => Err(not_implemented(req)),
    }
}
