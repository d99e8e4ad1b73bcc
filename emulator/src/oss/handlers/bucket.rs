//! ListObjects (V1 and `list-type=2`) and ListBuckets, and the bucket elements they share.

use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat};

use super::super::error::OssError;
use super::super::xml::{maybe_encoded, Xml};
use super::paging::{page_size, paginate, Keyed};
use super::{xml, Call};
use crate::storage::{BucketMeta, ObjectMeta};

/// `max-keys` when none is given.
const DEFAULT_MAX_KEYS: u32 = 100;

impl Keyed for ObjectMeta {
    fn key(&self) -> &str {
        &self.key
    }
}

/// `2012-02-23T07:01:34.000Z`.
pub(super) fn iso(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Where a listing starts: V1 `marker`, V2 `continuation-token` (an opaque encoding of the last
/// key listed) or `start-after`.
fn start_after(call: &Call<'_>, v2: bool) -> Result<String, OssError> {
    if !v2 {
        return Ok(call.req.query_value("marker").unwrap_or("").to_owned());
    }
    if let Some(token) = call.req.query_value("continuation-token") {
        return URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                OssError::invalid_argument(
                    "The continuation token is invalid.",
                    "continuation-token",
                    token,
                )
            });
    }
    Ok(call.req.query_value("start-after").unwrap_or("").to_owned())
}

/// ListObjects and ListObjectsV2 (`list-type=2`): `prefix`, `delimiter`, `max-keys`, `marker` /
/// `continuation-token` / `start-after`, `fetch-owner`, `encoding-type`.
pub(crate) async fn list_objects(call: &Call<'_>) -> Result<Response, OssError> {
    let bucket = call.req.bucket();
    let v2 = call.req.query_value("list-type") == Some("2");
    let max = page_size(call, "max-keys", DEFAULT_MAX_KEYS)?;
    let param = |name| call.req.query_value(name).unwrap_or("");
    let (prefix, delimiter) = (param("prefix"), param("delimiter"));
    let after = start_after(call, v2)?;
    let all = call
        .app
        .storage
        .list_objects(bucket)
        .await
        .map_err(|e| call.store_error(e))?;
    let page = paginate(&all, prefix, delimiter, |o| o.key > after, max as usize);
    let next = page.last.filter(|_| page.truncated).map(|o| o.key.as_str());
    let encode = call.req.url_encoding();
    let enc = |s: &str| maybe_encoded(s, encode);
    let fetch_owner = !v2 || param("fetch-owner") == "true";
    let mut doc = Xml::new("ListBucketResult");
    doc.elem("Name", bucket).elem("Prefix", enc(prefix));
    if v2 {
        if let Some(token) = call.req.query_value("continuation-token") {
            doc.elem("ContinuationToken", token);
        }
        if let Some(start) = call.req.query_value("start-after") {
            doc.elem("StartAfter", enc(start));
        }
    } else {
        doc.elem("Marker", enc(&after));
    }
    doc.elem("MaxKeys", max)
        .elem("Delimiter", enc(delimiter))
        .elem("IsTruncated", page.truncated);
    if let Some(key) = next {
        if v2 {
            doc.elem("NextContinuationToken", URL_SAFE_NO_PAD.encode(key));
        } else {
            doc.elem("NextMarker", enc(key));
        }
    }
    if encode {
        doc.elem("EncodingType", "url");
    }
    if v2 {
        doc.elem("KeyCount", page.entries.len() + page.prefixes.len());
    }
    for object in &page.entries {
        doc.open("Contents")
            .elem("Key", enc(&object.key))
            .elem("LastModified", iso(object.last_modified))
            .elem("ETag", &object.etag)
            .elem("Type", &object.object_type)
            .elem("Size", object.size)
            .elem("StorageClass", "Standard");
        if fetch_owner {
            owner(&mut doc, &call.app.directory.account_id);
        }
        doc.close();
    }
    for p in &page.prefixes {
        doc.open("CommonPrefixes").elem("Prefix", enc(p)).close();
    }
    Ok(xml(doc.finish()))
}

/// `<Owner><ID/><DisplayName/></Owner>`: the account owns everything.
pub(super) fn owner(doc: &mut Xml, account_id: &str) {
    doc.open("Owner")
        .elem("ID", account_id)
        .elem("DisplayName", account_id)
        .close();
}

/// The elements ListBuckets and GetBucketInfo show of a bucket.
pub(super) fn bucket_fields(doc: &mut Xml, bucket: &BucketMeta, region: &str) {
    doc.elem("CreationDate", iso(bucket.created))
        .elem("ExtranetEndpoint", format!("oss-{region}.aliyuncs.com"))
        .elem(
            "IntranetEndpoint",
            format!("oss-{region}-internal.aliyuncs.com"),
        )
        .elem("Location", format!("oss-{region}"))
        .elem("Name", &bucket.name)
        .elem("Region", region)
        .elem("StorageClass", &bucket.storage_class);
}

/// ListBuckets: every bucket of the account (`prefix` filters).
pub(crate) async fn list_buckets(call: &Call<'_>) -> Result<Response, OssError> {
    let directory = &call.app.directory;
    let prefix = call.req.query_value("prefix").unwrap_or("");
    let mut doc = Xml::new("ListAllMyBucketsResult");
    owner(&mut doc, &directory.account_id);
    doc.open("Buckets");
    for bucket in call.app.storage.bucket_list() {
        if bucket.name.starts_with(prefix) {
            doc.open("Bucket");
            bucket_fields(&mut doc, &bucket, &directory.region);
            doc.close();
        }
    }
    Ok(xml(doc.finish()))
}
