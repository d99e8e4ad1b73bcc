//! OSS signature V1: `Authorization: OSS ak:base64(HMAC-SHA1(secret, string-to-sign))`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};

use super::canonical::{push_headers, starts_with_lowercased, with_signed_headers, with_sorted};
use super::dates;
use super::{hmac_sha1, HeaderSignature, QuerySignature, RequestToSign};
use crate::credentials::Credentials;

/// Query parameters that V1 signs as sub-resources (the official SDKs' list; every `x-oss-*`
/// parameter is signed as well). Sorted (bytewise), for binary search.
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
    dates::http_date(time)
}

/// Whether V1 signs this query parameter as a sub-resource.
pub fn is_sub_resource(name: &str) -> bool {
    // Byte by byte: most probes differ from `name` in their first bytes, and comparing `str`s
    // calls `memcmp` on the whole shorter one.
    name.starts_with("x-oss-")
        || SUB_RESOURCES
            .binary_search_by(|probe| probe.bytes().cmp(name.bytes()))
            .is_ok()
}

/// The V1 canonicalized resource: `/bucket/key` plus the sorted sub-resources.
///
/// `extra_sub_resources` names further query keys to sign (as the Go SDK's signing context allows).
pub fn canonical_resource(req: &RequestToSign, extra_sub_resources: &[String]) -> String {
    let mut out = String::new();
    push_canonical_resource(&mut out, req, extra_sub_resources);
    out
}

/// Appends the canonicalized resource.
fn push_canonical_resource(out: &mut String, req: &RequestToSign, extra_sub_resources: &[String]) {
    req.push_resource_path(out);
    let subs = req
        .query
        .iter()
        .filter(|(k, _)| is_sub_resource(k) || extra_sub_resources.iter().any(|e| e == k))
        .map(|(k, v)| (k.as_str(), v.as_deref()));
    with_sorted(
        subs,
        |a, b| a.0.cmp(b.0),
        |subs| push_sub_resources(out, subs),
    );
}

/// Appends `?name=value&name` (values only when not empty).
fn push_sub_resources(out: &mut String, subs: &[(&str, Option<&str>)]) {
    for (i, (k, v)) in subs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push('=');
            out.push_str(v);
        }
    }
}

/// The V1 canonicalized `x-oss-*` headers: lower-case names, sorted, `name:value\n` each.
pub fn canonical_oss_headers(req: &RequestToSign) -> String {
    let mut out = String::new();
    push_oss_headers(&mut out, req);
    out
}

/// Appends the `x-oss-*` headers (any case) in canonical form.
fn push_oss_headers(out: &mut String, req: &RequestToSign) {
    with_signed_headers(
        &req.headers,
        |name| starts_with_lowercased(name, "x-oss-"),
        |headers| push_headers(out, headers),
    );
}

/// The V1 string to sign, with `date` in the Date slot (the `Date` header, or `Expires` for URLs).
pub fn string_to_sign(req: &RequestToSign, date: &str, extra_sub_resources: &[String]) -> String {
    let content_md5 = req.header("content-md5").unwrap_or("");
    let content_type = req.header("content-type").unwrap_or("");
    let header_len: usize = req.headers.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let text = |s: &Option<String>| s.as_deref().map_or(0, str::len);
    let query_len: usize = req.query.iter().map(|(k, v)| k.len() + text(v) + 2).sum();
    let mut out = String::with_capacity(
        req.method.len()
            + content_md5.len()
            + content_type.len()
            + date.len()
            + header_len
            + text(&req.bucket)
            + text(&req.key)
            + query_len
            + 8,
    );
    for field in [req.method.as_str(), content_md5, content_type, date] {
        out.push_str(field);
        out.push('\n');
    }
    push_oss_headers(&mut out, req);
    push_canonical_resource(&mut out, req, extra_sub_resources);
    out
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
    // Date, the token and (in `sign_headers`) Authorization.
    req.reserve_headers(3);
    req.set_header("Date", http_date(time));
    if let Some(token) = security_token {
        req.set_header("x-oss-security-token", token);
    }
    let date = req
        .header("x-oss-date")
        .or_else(|| req.header("date"))
        .unwrap_or_default();
    string_to_sign(req, date, extra_sub_resources)
}

/// Signs a request in its headers: adds `Date`, `x-oss-security-token` and `Authorization`.
pub fn sign_headers(
    req: &mut RequestToSign,
    credentials: &Credentials,
    time: DateTime<Utc>,
    extra_sub_resources: &[String],
) -> HeaderSignature {
    let sts = prepare_header_signing(req, credentials.security_token(), time, extra_sub_resources);
    let access_key_id = credentials.access_key_id();
    let mac = hmac_sha1(credentials.access_key_secret().as_bytes(), sts.as_bytes());
    // "OSS " + id + ":" + base64 of 20 bytes (28 characters).
    let mut authorization = String::with_capacity(access_key_id.len() + 33);
    authorization.push_str("OSS ");
    authorization.push_str(access_key_id);
    authorization.push(':');
    BASE64.encode_string(mac, &mut authorization);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_resources_are_sorted_for_binary_search() {
        assert!(SUB_RESOURCES.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(SUB_RESOURCES.iter().all(|name| is_sub_resource(name)));
        assert!(!is_sub_resource("prefix"));
    }
}
