//! PutBucket, DeleteBucket, GetBucketInfo and GetBucketLocation.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::OssError;
use super::super::xml::Xml;
use super::bucket::{bucket_fields, owner};
use super::multipart::malformed_xml;
use super::{empty, no_such_bucket, receive_error, xml, Call};
use crate::storage::{self, BucketMeta};

/// The largest `CreateBucketConfiguration` accepted.
const MAX_CONFIGURATION: usize = 64 * 1024;
/// Storage classes a bucket may have.
const STORAGE_CLASSES: &[&str] = &[
    "Standard",
    "IA",
    "Archive",
    "ColdArchive",
    "DeepColdArchive",
];

#[derive(Deserialize, Default)]
struct CreateBucketConfiguration {
    #[serde(rename = "StorageClass", default)]
    storage_class: Option<String>,
}

/// `x-oss-acl`: `private` (the default), `public-read` or `public-read-write`.
fn bucket_acl(call: &Call<'_>) -> Result<String, OssError> {
    match call.req.header("x-oss-acl").map(str::trim) {
        None => Ok("private".to_owned()),
        Some(acl @ ("private" | "public-read" | "public-read-write")) => Ok(acl.to_owned()),
        Some(other) => Err(OssError::invalid_argument(
            "no such bucket access control exists",
            "x-oss-acl",
            other,
        )),
    }
}

/// The storage class of the optional `CreateBucketConfiguration` body (`Standard` without).
async fn storage_class(call: &Call<'_>, body: Body) -> Result<String, OssError> {
    let bytes = storage::read_small(body, MAX_CONFIGURATION, |n| call.counters.add_bytes(n))
        .await
        .map_err(receive_error)?;
    let config = if bytes.iter().all(u8::is_ascii_whitespace) {
        CreateBucketConfiguration::default()
    } else {
        let text = std::str::from_utf8(&bytes).map_err(malformed_xml)?;
        quick_xml::de::from_str(text).map_err(malformed_xml)?
    };
    let class = config
        .storage_class
        .unwrap_or_else(|| "Standard".to_owned());
    if !STORAGE_CLASSES.contains(&class.as_str()) {
        return Err(OssError::new(
            StatusCode::BAD_REQUEST,
            "InvalidStorageClass",
            "The storage class you specified is not valid.",
        )
        .with("StorageClass", class));
    }
    Ok(class)
}

/// PutBucket: creates a bucket (kept in the data directory like the declared ones).
pub(crate) async fn put_bucket(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let name = call.req.bucket();
    ossdirect::api::validate_bucket_name(name).map_err(|_| {
        OssError::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .with("BucketName", name)
    })?;
    let acl = bucket_acl(call)?;
    let storage_class = storage_class(call, body).await?;
    let meta = BucketMeta {
        acl,
        storage_class,
        run_time: true,
        ..BucketMeta::new(name, call.now())
    };
    call.app
        .storage
        .create_bucket(meta)
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(empty(StatusCode::OK))
}

/// DeleteBucket: 204; `BucketNotEmpty` while objects or uploads remain.
pub(crate) async fn delete_bucket(call: &Call<'_>) -> Result<Response, OssError> {
    call.app
        .storage
        .delete_bucket(call.req.bucket())
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn bucket_meta(call: &Call<'_>) -> Result<BucketMeta, OssError> {
    call.app
        .storage
        .bucket(call.req.bucket())
        .ok_or_else(|| no_such_bucket(call.req.bucket()))
}

/// GetBucketInfo (`GET ?bucketInfo`).
pub(crate) async fn get_bucket_info(call: &Call<'_>) -> Result<Response, OssError> {
    let bucket = bucket_meta(call)?;
    let directory = &call.app.directory;
    let mut doc = Xml::new("BucketInfo");
    doc.open("Bucket").elem("AccessMonitor", "Disabled");
    bucket_fields(&mut doc, &bucket, &directory.region);
    doc.elem("DataRedundancyType", "LRS");
    owner(&mut doc, &directory.account_id);
    doc.open("AccessControlList")
        .elem("Grant", &bucket.acl)
        .close()
        .open("ServerSideEncryptionRule")
        .elem("SSEAlgorithm", "None")
        .close()
        .elem("Versioning", "")
        .elem("TransferAcceleration", "Disabled")
        .elem("CrossRegionReplication", "Disabled");
    Ok(xml(doc.finish()))
}

/// GetBucketLocation (`GET ?location`): `<LocationConstraint>oss-<region></LocationConstraint>`.
pub(crate) async fn get_bucket_location(call: &Call<'_>) -> Result<Response, OssError> {
    bucket_meta(call)?;
    let mut doc = Xml::new("LocationConstraint");
    doc.text(format!("oss-{}", call.app.directory.region));
    Ok(xml(doc.finish()))
}
