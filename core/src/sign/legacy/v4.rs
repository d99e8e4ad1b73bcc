//! OSS signature V4 as implemented before the rewrite for speed, verbatim but for import paths:
//! the reference `legacy::rewrite_signs_byte_for_byte_as_before` compares the new code with.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::resource_path;
use super::{uri_encode, uri_encode_path};
use crate::credentials::Credentials;
use crate::sign::{hmac_sha256, HeaderSignature, QuerySignature, RequestToSign};

/// The algorithm name in V4 authorization headers and presigned URLs.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The payload hash OSS V4 signs (payloads are not hashed).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const PRODUCT: &str = "oss";
const TERMINATOR: &str = "aliyun_v4_request";

/// The query parameters a V4 presigned URL carries; stale ones in the input are replaced.
pub const PRESIGN_PARAMS: &[&str] = &[
    "x-oss-signature-version",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-credential",
    "x-oss-security-token",
    "x-oss-additional-headers",
    "x-oss-signature",
];

/// `20231203T121212Z`: the format of `x-oss-date`.
pub fn iso8601_basic(time: DateTime<Utc>) -> String {
    time.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The credential scope `yyyymmdd/region/oss/aliyun_v4_request`.
pub fn scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/{PRODUCT}/{TERMINATOR}")
}

/// The canonical URI: `/bucket/key` percent-encoded with `/` kept.
pub fn canonical_uri(req: &RequestToSign) -> String {
    uri_encode_path(&resource_path(req))
}

/// The canonical query: encoded names and values sorted by name; valueless params as bare names.
pub fn canonical_query(query: &[(String, Option<String>)]) -> String {
    let mut pairs: Vec<(String, Option<String>)> = query
        .iter()
        .map(|(k, v)| {
            (
                uri_encode(k),
                v.as_deref().filter(|v| !v.is_empty()).map(uri_encode),
            )
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

fn is_default_signed(lower_name: &str) -> bool {
    lower_name.starts_with("x-oss-") || lower_name == "content-type" || lower_name == "content-md5"
}

/// The additional headers actually signed: lower-cased, sorted, present in the request and not
/// signed by default.
pub fn effective_additional_headers(req: &RequestToSign, additional: &[String]) -> Vec<String> {
    let mut names: Vec<String> = additional
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && !is_default_signed(h) && req.header(h).is_some())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The canonical headers block (`name:value\n` each, sorted) for the default and additional headers.
pub fn canonical_headers(req: &RequestToSign, additional: &[String]) -> String {
    let mut headers: Vec<(String, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim()))
        .filter(|(k, _)| is_default_signed(k) || additional.iter().any(|a| a == k))
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

/// The canonical request for `req` with the given (already effective) additional headers.
pub fn canonical_request(req: &RequestToSign, additional: &[String]) -> String {
    let payload = req
        .header("x-oss-content-sha256")
        .unwrap_or(UNSIGNED_PAYLOAD);
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req),
        canonical_query(&req.query),
        canonical_headers(req, additional),
        additional.join(";"),
        payload
    )
}

/// The string to sign for a canonical request.
pub fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{datetime}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// Derives the signing key: HMAC chain `"aliyun_v4"+secret` → date → region → `oss` → terminator.
pub fn signing_key(secret: &str, date: &str, region: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("aliyun_v4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_product = hmac_sha256(&k_region, PRODUCT.as_bytes());
    hmac_sha256(&k_product, TERMINATOR.as_bytes())
}

/// Hex HMAC-SHA256 of the string to sign under a signing key.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Remembers the last derived signing key, so signing many requests on one day costs one HMAC
/// instead of five.
#[derive(Default)]
pub struct SigningKeyCache {
    last: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    secret: String,
    date: String,
    region: String,
    key: [u8; 32],
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeyCache { .. }")
    }
}

impl SigningKeyCache {
    /// The signing key for (secret, date, region), derived once and then reused.
    pub fn key(&self, secret: &str, date: &str, region: &str) -> [u8; 32] {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(c) = last.as_ref() {
            if c.date == date && c.region == region && c.secret == secret {
                return c.key;
            }
        }
        let key = signing_key(secret, date, region);
        *last = Some(CachedKey {
            secret: secret.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            key,
        });
        key
    }
}

/// What header signing prepared: everything but the signature itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedV4 {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// `yyyymmdd` of the signing time.
    pub date: String,
    /// The credential scope.
    pub scope: String,
    /// The additional headers signed (lower-case, sorted).
    pub additional_headers: Vec<String>,
}

/// Adds `x-oss-date`, `x-oss-content-sha256` and the security token to `req` and returns the
/// canonical request and string to sign. The first half of header signing, shared with remote
/// signers.
pub fn prepare_header_signing(
    req: &mut RequestToSign,
    security_token: Option<&str>,
    region: &str,
    time: DateTime<Utc>,
    additional_headers: &[String],
) -> PreparedV4 {
    let datetime = iso8601_basic(time);
    let date = datetime[..8].to_owned();
    req.set_header("x-oss-date", datetime.clone());
    if req.header("x-oss-content-sha256").is_none() {
        req.set_header("x-oss-content-sha256", UNSIGNED_PAYLOAD);
    }
    if let Some(token) = security_token {
        req.set_header("x-oss-security-token", token);
    }
    let additional = effective_additional_headers(req, additional_headers);
    let canonical = canonical_request(req, &additional);
    let scope = scope(&date, region);
    let sts = string_to_sign(&datetime, &scope, &canonical);
    PreparedV4 {
        canonical_request: canonical,
        string_to_sign: sts,
        date,
        scope,
        additional_headers: additional,
    }
}

/// Formats the V4 `Authorization` header value.
pub fn authorization(access_key_id: &str, prepared: &PreparedV4, signature: &str) -> String {
    let mut auth = format!("{ALGORITHM} Credential={access_key_id}/{}", prepared.scope);
    if !prepared.additional_headers.is_empty() {
        auth.push_str(",AdditionalHeaders=");
        auth.push_str(&prepared.additional_headers.join(";"));
    }
    auth.push_str(",Signature=");
    auth.push_str(signature);
    auth
}

/// Signs a request in its headers: adds `x-oss-date`, `x-oss-content-sha256`,
/// `x-oss-security-token` and `Authorization`.
pub fn sign_headers(
    req: &mut RequestToSign,
    credentials: &Credentials,
    region: &str,
    time: DateTime<Utc>,
    additional_headers: &[String],
    cache: Option<&SigningKeyCache>,
) -> HeaderSignature {
    let prepared = prepare_header_signing(
        req,
        credentials.security_token(),
        region,
        time,
        additional_headers,
    );
    let secret = credentials.access_key_secret();
    let key = match cache {
        Some(cache) => cache.key(secret, &prepared.date, region),
        None => signing_key(secret, &prepared.date, region),
    };
    let sig = signature(&key, &prepared.string_to_sign);
    let authorization = authorization(credentials.access_key_id(), &prepared, &sig);
    req.set_header("Authorization", authorization.clone());
    HeaderSignature {
        authorization,
        string_to_sign: prepared.string_to_sign,
        canonical_request: Some(prepared.canonical_request),
    }
}

/// Presigns a request for `expires_in` seconds from `time` (at most 7 days, which the caller
/// checks): returns the `x-oss-*` query parameters, `x-oss-signature` last.
pub fn presign(
    req: &RequestToSign,
    credentials: &Credentials,
    region: &str,
    time: DateTime<Utc>,
    expires_in: u64,
    additional_headers: &[String],
) -> QuerySignature {
    let datetime = iso8601_basic(time);
    let date = &datetime[..8];
    let scope = scope(date, region);
    let additional = effective_additional_headers(req, additional_headers);
    let mut params = vec![
        ("x-oss-signature-version".to_owned(), ALGORITHM.to_owned()),
        ("x-oss-date".to_owned(), datetime.clone()),
        ("x-oss-expires".to_owned(), expires_in.to_string()),
        (
            "x-oss-credential".to_owned(),
            format!("{}/{scope}", credentials.access_key_id()),
        ),
    ];
    if let Some(token) = credentials.security_token() {
        params.push(("x-oss-security-token".to_owned(), token.to_owned()));
    }
    if !additional.is_empty() {
        params.push(("x-oss-additional-headers".to_owned(), additional.join(";")));
    }
    let mut signed = req.clone();
    signed
        .query
        .retain(|(k, _)| !PRESIGN_PARAMS.contains(&k.as_str()));
    signed
        .query
        .extend(params.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
    let canonical = canonical_request(&signed, &additional);
    let sts = string_to_sign(&datetime, &scope, &canonical);
    let key = signing_key(credentials.access_key_secret(), date, region);
    params.push(("x-oss-signature".to_owned(), signature(&key, &sts)));
    QuerySignature {
        params,
        string_to_sign: sts,
        canonical_request: Some(canonical),
    }
}
