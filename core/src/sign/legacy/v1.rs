//! OSS signature V1 as implemented before the rewrite for speed, verbatim but for import paths:
//! the reference `legacy::rewrite_signs_byte_for_byte_as_before` compares the new code with.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};

use super::resource_path;
use crate::credentials::Credentials;
use crate::sign::{hmac_sha1, HeaderSignature, QuerySignature, RequestToSign};

/// Query parameters that V1 signs as sub-resources (the official SDKs' list; every `x-oss-*`
/// parameter is signed as well).
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "resourceGroup",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "udf",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-request-payer",
    "x-oss-traffic-limit",
];

/// The query parameters a V1 presigned URL carries; stale ones in the input are replaced.
pub const PRESIGN_PARAMS: &[&str] = &["OSSAccessKeyId", "Expires", "Signature", "security-token"];

/// Formats a time as the HTTP `Date` header OSS expects (`Sun, 03 Dec 2023 12:12:12 GMT`).
pub fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether V1 signs this query parameter as a sub-resource.
pub fn is_sub_resource(name: &str) -> bool {
    name.starts_with("x-oss-") || SUB_RESOURCES.contains(&name)
}

/// The V1 canonicalized resource: `/bucket/key` plus the sorted sub-resources.
///
/// `extra_sub_resources` names further query keys to sign (as the Go SDK's signing context allows).
pub fn canonical_resource(req: &RequestToSign, extra_sub_resources: &[String]) -> String {
    let mut resource = resource_path(req);
    let mut subs: Vec<(&str, Option<&str>)> = req
        .query
        .iter()
        .filter(|(k, _)| is_sub_resource(k) || extra_sub_resources.iter().any(|e| e == k))
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    if subs.is_empty() {
        return resource;
    }
    subs.sort_by(|a, b| a.0.cmp(b.0));
    resource.push('?');
    for (i, (k, v)) in subs.iter().enumerate() {
        if i > 0 {
            resource.push('&');
        }
        resource.push_str(k);
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            resource.push('=');
            resource.push_str(v);
        }
    }
    resource
}

/// The V1 canonicalized `x-oss-*` headers: lower-case names, sorted, `name:value\n` each.
pub fn canonical_oss_headers(req: &RequestToSign) -> String {
    let mut headers: Vec<(String, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim()))
        .filter(|(k, _)| k.starts_with("x-oss-"))
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (k, v) in headers {
        out.push_str(&k);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// The V1 string to sign, with `date` in the Date slot (the `Date` header, or `Expires` for URLs).
pub fn string_to_sign(req: &RequestToSign, date: &str, extra_sub_resources: &[String]) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}{}",
        req.method,
        req.header("content-md5").unwrap_or(""),
        req.header("content-type").unwrap_or(""),
        date,
        canonical_oss_headers(req),
        canonical_resource(req, extra_sub_resources)
    )
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    BASE64.encode(hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes()))
}

/// Sets `Date` to the signing time (so the date sent is the date signed) and the security token
/// header, and returns the string to sign (`x-oss-date`, if the caller set it, fills the date
/// slot). The first half of header signing, shared with remote signers.
pub fn prepare_header_signing(
    req: &mut RequestToSign,
    security_token: Option<&str>,
    time: DateTime<Utc>,
    extra_sub_resources: &[String],
) -> String {
    req.set_header("Date", http_date(time));
    if let Some(token) = security_token {
        req.set_header("x-oss-security-token", token);
    }
    let date = req
        .header("x-oss-date")
        .or_else(|| req.header("date"))
        .unwrap_or_default()
        .to_owned();
    string_to_sign(req, &date, extra_sub_resources)
}

/// Signs a request in its headers: adds `Date`, `x-oss-security-token` and `Authorization`.
pub fn sign_headers(
    req: &mut RequestToSign,
    credentials: &Credentials,
    time: DateTime<Utc>,
    extra_sub_resources: &[String],
) -> HeaderSignature {
    let sts = prepare_header_signing(req, credentials.security_token(), time, extra_sub_resources);
    let authorization = format!(
        "OSS {}:{}",
        credentials.access_key_id(),
        signature(credentials.access_key_secret(), &sts)
    );
    req.set_header("Authorization", authorization.clone());
    HeaderSignature {
        authorization,
        string_to_sign: sts,
        canonical_request: None,
    }
}

/// Presigns a request: returns `OSSAccessKeyId`, `Expires`, `Signature` (and `security-token`).
///
/// `expires_at` is the absolute expiry as Unix seconds.
pub fn presign(
    req: &RequestToSign,
    credentials: &Credentials,
    expires_at: i64,
    extra_sub_resources: &[String],
) -> QuerySignature {
    let mut signed = req.clone();
    signed
        .query
        .retain(|(k, _)| !PRESIGN_PARAMS.contains(&k.as_str()));
    let mut params = Vec::new();
    if let Some(token) = credentials.security_token() {
        signed.push_query("security-token", Some(token.to_owned()));
        params.push(("security-token".to_owned(), token.to_owned()));
    }
    let sts = string_to_sign(&signed, &expires_at.to_string(), extra_sub_resources);
    let sig = signature(credentials.access_key_secret(), &sts);
    params.push((
        "OSSAccessKeyId".to_owned(),
        credentials.access_key_id().to_owned(),
    ));
    params.push(("Expires".to_owned(), expires_at.to_string()));
    params.push(("Signature".to_owned(), sig));
    QuerySignature {
        params,
        string_to_sign: sts,
        canonical_request: None,
    }
}
