//! GetObjectAcl, PutObjectAcl and GetBucketAcl.

use axum::http::StatusCode;
use axum::response::Response;

use super::super::error::OssError;
use super::super::xml::Xml;
use super::bucket::owner;
use super::{empty, no_such_bucket, xml, Call};

/// `<AccessControlPolicy>` with the owner and one grant.
fn policy(call: &Call<'_>, grant: &str) -> Response {
    let mut doc = Xml::new("AccessControlPolicy");
    owner(&mut doc, &call.app.directory.account_id);
    doc.open("AccessControlList").elem("Grant", grant).close();
    xml(doc.finish())
}

/// GetObjectAcl (`GET ?acl` on an object): `default` unless an ACL was set.
pub(crate) async fn get_object_acl(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    let meta = call.object_meta(key).await?;
    Ok(policy(
        call,
        meta.attributes.acl.as_deref().unwrap_or("default"),
    ))
}

/// PutObjectAcl (`PUT ?acl` with `x-oss-object-acl`).
pub(crate) async fn put_object_acl(call: &Call<'_>) -> Result<Response, OssError> {
    let key = call.req.object_key()?;
    if call.req.header("x-oss-object-acl").is_none() {
        return Err(OssError::invalid_argument(
            "no such object access control exists",
            "x-oss-object-acl",
            "",
        ));
    }
    let acl = call.object_acl()?;
    call.app
        .storage
        .set_object_acl(call.req.bucket(), key, acl)
        .await
        .map_err(|e| call.store_error(e))?;
    Ok(empty(StatusCode::OK))
}

/// GetBucketAcl (`GET ?acl` on a bucket).
pub(crate) async fn get_bucket_acl(call: &Call<'_>) -> Result<Response, OssError> {
    let bucket = call
        .app
        .storage
        .bucket(call.req.bucket())
        .ok_or_else(|| no_such_bucket(call.req.bucket()))?;
    Ok(policy(call, &bucket.acl))
}
