//! OSS signature V4: `OSS4-HMAC-SHA256` over a canonical request, with a region-scoped key.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::canonical::{
    eq_lowercased, push_headers, starts_with_lowercased, with_signed_headers, with_sorted,
};
use super::dates;
use super::encoding::{needs_encoding, push_encoded, push_hex, to_hex, uri_encode};
use super::hmac::KeyedHmacSha256;
use super::{hmac_sha256, HeaderSignature, QuerySignature, RequestToSign};
use crate::credentials::Credentials;

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
    dates::iso8601_basic(time)
}

/// The credential scope `yyyymmdd/region/oss/aliyun_v4_request`.
pub fn scope(date: &str, region: &str) -> String {
    let mut out = String::with_capacity(scope_len(date, region));
    push_scope(&mut out, date, region);
    out
}

/// The length of the credential scope.
fn scope_len(date: &str, region: &str) -> usize {
    date.len() + region.len() + PRODUCT.len() + TERMINATOR.len() + 3
}

/// Appends the credential scope.
fn push_scope(out: &mut String, date: &str, region: &str) {
    for (i, part) in [date, region, PRODUCT, TERMINATOR].into_iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(part);
    }
}

/// The canonical URI: `/bucket/key` percent-encoded with `/` kept.
pub fn canonical_uri(req: &RequestToSign) -> String {
    let mut out = String::new();
    push_canonical_uri(&mut out, req);
    out
}

/// Appends the canonical URI (the resource path encoded byte by byte, so `/` separators stay).
fn push_canonical_uri(out: &mut String, req: &RequestToSign) {
    out.push('/');
    if let Some(bucket) = &req.bucket {
        push_encoded(out, bucket, true);
        out.push('/');
        if let Some(key) = &req.key {
            push_encoded(out, key, true);
        }
    }
}

/// The canonical query: encoded names and values sorted by name; valueless params as bare names.
pub fn canonical_query(query: &[(String, Option<String>)]) -> String {
    let mut out = String::new();
    push_canonical_query(&mut out, query);
    out
}

/// `s` percent-encoded, borrowed when encoding leaves it as it is.
fn encoded(s: &str) -> Cow<'_, str> {
    if needs_encoding(s, false) {
        Cow::Owned(uri_encode(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// A query value as the canonical query has it: `None` when absent or empty.
fn query_value(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Appends the canonical query. Pairs sort by encoded name, then encoded value (none first).
fn push_canonical_query(out: &mut String, query: &[(String, Option<String>)]) {
    let plain = query.iter().all(|(k, v)| {
        !needs_encoding(k, false) && query_value(v).is_none_or(|v| !needs_encoding(v, false))
    });
    if plain {
        // Encoding changes nothing, so the pairs sort as they are.
        with_sorted(
            query.iter().map(|(k, v)| (k.as_str(), query_value(v))),
            Ord::cmp,
            |pairs| push_query_pairs(out, pairs),
        );
    } else {
        let mut pairs: Vec<(Cow<'_, str>, Option<Cow<'_, str>>)> = query
            .iter()
            .map(|(k, v)| (encoded(k), query_value(v).map(encoded)))
            .collect();
        pairs.sort_unstable();
        push_query_pairs(out, &pairs);
    }
}

/// Appends `name=value` pairs (bare names without a value) joined by `&`.
fn push_query_pairs<S: AsRef<str>>(out: &mut String, pairs: &[(S, Option<S>)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k.as_ref());
        if let Some(v) = v {
            out.push('=');
            out.push_str(v.as_ref());
        }
    }
}

/// Whether V4 signs a header of this name whatever the additional headers (any case).
fn is_default_signed(name: &str) -> bool {
    starts_with_lowercased(name, "x-oss-")
        || eq_lowercased(name, "content-type")
        || eq_lowercased(name, "content-md5")
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
    let mut out = String::new();
    push_canonical_headers(&mut out, req, additional);
    out
}

/// Appends the canonical headers block.
fn push_canonical_headers(out: &mut String, req: &RequestToSign, additional: &[String]) {
    with_signed_headers(
        &req.headers,
        |name| is_default_signed(name) || additional.iter().any(|a| eq_lowercased(name, a)),
        |headers| push_headers(out, headers),
    );
}

/// A capacity that holds the canonical request of `req` unless much of it is percent-encoded.
fn canonical_capacity(req: &RequestToSign, additional: &[String]) -> usize {
    let text = |s: &Option<String>| s.as_deref().map_or(0, str::len);
    let query: usize = req.query.iter().map(|(k, v)| k.len() + text(v) + 2).sum();
    let headers: usize = req.headers.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let names: usize = additional.iter().map(|a| a.len() + 1).sum();
    req.method.len() + text(&req.bucket) + text(&req.key) + query + headers + names + 96
}

/// The canonical request for `req` with the given (already effective) additional headers.
pub fn canonical_request(req: &RequestToSign, additional: &[String]) -> String {
    let payload = req
        .header("x-oss-content-sha256")
        .unwrap_or(UNSIGNED_PAYLOAD);
    let mut out = String::with_capacity(canonical_capacity(req, additional));
    out.push_str(&req.method);
    out.push('\n');
    push_canonical_uri(&mut out, req);
    out.push('\n');
    push_canonical_query(&mut out, &req.query);
    out.push('\n');
    push_canonical_headers(&mut out, req, additional);
    out.push('\n');
    for (i, name) in additional.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(payload);
    out
}

/// The string to sign for a canonical request.
pub fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(string_to_sign_len(datetime, scope.len()));
    push_head(&mut out, datetime);
    out.push_str(scope);
    push_digest(&mut out, canonical_request);
    out
}

/// The length of a string to sign.
fn string_to_sign_len(datetime: &str, scope_len: usize) -> usize {
    ALGORITHM.len() + datetime.len() + scope_len + 3 + 2 * 32
}

/// Appends the lines of the string to sign before the scope.
fn push_head(out: &mut String, datetime: &str) {
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(datetime);
    out.push('\n');
}

/// Appends the line break after the scope and the hex SHA-256 of the canonical request.
fn push_digest(out: &mut String, canonical_request: &str) {
    out.push('\n');
    push_hex(out, &Sha256::digest(canonical_request.as_bytes()));
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
    to_hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Remembers the last derived signing key, so signing many requests on one day costs one HMAC
/// instead of five. It keeps the key as an HMAC already keyed, so that HMAC hashes only the
/// string to sign.
#[derive(Default)]
pub struct SigningKeyCache {
    last: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    secret: String,
    date: String,
    region: String,
    key: [u8; 32],
    mac: KeyedHmacSha256,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeyCache { .. }")
    }
}

impl SigningKeyCache {
    /// The signing key for (secret, date, region), derived once and then reused.
    pub fn key(&self, secret: &str, date: &str, region: &str) -> [u8; 32] {
        self.with_entry(secret, date, region, |c| c.key)
    }

    /// The signing key for (secret, date, region) as a keyed HMAC.
    fn keyed(&self, secret: &str, date: &str, region: &str) -> KeyedHmacSha256 {
        self.with_entry(secret, date, region, |c| c.mac.clone())
    }

    /// Runs `f` on the entry for (secret, date, region), deriving it first if the cached entry
    /// is for other values.
    fn with_entry<T>(
        &self,
        secret: &str,
        date: &str,
        region: &str,
        f: impl FnOnce(&CachedKey) -> T,
    ) -> T {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match last.as_ref() {
            Some(c) if c.date == date && c.region == region && c.secret == secret => f(c),
            _ => {
                let key = signing_key(secret, date, region);
                f(last.insert(CachedKey {
                    secret: secret.to_owned(),
                    date: date.to_owned(),
                    region: region.to_owned(),
                    key,
                    mac: KeyedHmacSha256::new(&key),
                }))
            }
        }
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
    let prepared = prepare(req, security_token, region, time, additional_headers);
    PreparedV4 {
        date: prepared.date().to_owned(),
        scope: prepared.scope().to_owned(),
        canonical_request: prepared.canonical_request,
        string_to_sign: prepared.string_to_sign,
        additional_headers: prepared.additional_headers,
    }
}

/// [`PreparedV4`] without copies: the date and the scope are read from the string to sign.
struct Prepared {
    canonical_request: String,
    string_to_sign: String,
    /// Where the credential scope (which starts with the date) lies in the string to sign.
    scope: Range<usize>,
    additional_headers: Vec<String>,
}

impl Prepared {
    /// The credential scope.
    fn scope(&self) -> &str {
        &self.string_to_sign[self.scope.clone()]
    }

    /// `yyyymmdd` of the signing time: the scope's first part.
    fn date(&self) -> &str {
        &self.string_to_sign[self.scope.start..self.scope.start + DATE_LEN]
    }
}

/// The length of `yyyymmdd`, the start of `x-oss-date` and of the scope.
const DATE_LEN: usize = 8;

/// The headers [`prepare`] adds at most, `Authorization` included.
const ADDED_HEADERS: usize = 4;

/// [`prepare_header_signing`], returning [`Prepared`].
fn prepare(
    req: &mut RequestToSign,
    security_token: Option<&str>,
    region: &str,
    time: DateTime<Utc>,
    additional_headers: &[String],
) -> Prepared {
    let datetime = iso8601_basic(time);
    req.reserve_headers(ADDED_HEADERS);
    req.set_header("x-oss-date", datetime.as_str());
    if req.header("x-oss-content-sha256").is_none() {
        req.set_header("x-oss-content-sha256", UNSIGNED_PAYLOAD);
    }
    if let Some(token) = security_token {
        req.set_header("x-oss-security-token", token);
    }
    let additional = effective_additional_headers(req, additional_headers);
    let canonical = canonical_request(req, &additional);
    let date = &datetime[..DATE_LEN];
    let mut sts = String::with_capacity(string_to_sign_len(&datetime, scope_len(date, region)));
    push_head(&mut sts, &datetime);
    let scope_start = sts.len();
    push_scope(&mut sts, date, region);
    let scope = scope_start..sts.len();
    push_digest(&mut sts, &canonical);
    Prepared {
        canonical_request: canonical,
        string_to_sign: sts,
        scope,
        additional_headers: additional,
    }
}

/// Formats the V4 `Authorization` header value.
pub fn authorization(access_key_id: &str, prepared: &PreparedV4, signature: &str) -> String {
    authorization_with(
        access_key_id,
        &prepared.scope,
        &prepared.additional_headers,
        signature.len(),
        |auth| auth.push_str(signature),
    )
}

/// The `Authorization` value, its signature written by `push_signature` (`signature_len` bytes).
fn authorization_with(
    access_key_id: &str,
    scope: &str,
    additional_headers: &[String],
    signature_len: usize,
    push_signature: impl FnOnce(&mut String),
) -> String {
    const CREDENTIAL: &str = " Credential=";
    const ADDITIONAL: &str = ",AdditionalHeaders=";
    const SIGNATURE: &str = ",Signature=";
    let names: usize = additional_headers.iter().map(|h| h.len() + 1).sum();
    let mut auth = String::with_capacity(
        ALGORITHM.len()
            + CREDENTIAL.len()
            + access_key_id.len()
            + 1
            + scope.len()
            + ADDITIONAL.len()
            + names
            + SIGNATURE.len()
            + signature_len,
    );
    auth.push_str(ALGORITHM);
    auth.push_str(CREDENTIAL);
    auth.push_str(access_key_id);
    auth.push('/');
    auth.push_str(scope);
    for (i, name) in additional_headers.iter().enumerate() {
        auth.push_str(if i == 0 { ADDITIONAL } else { ";" });
        auth.push_str(name);
    }
    auth.push_str(SIGNATURE);
    push_signature(&mut auth);
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
    let prepared = prepare(
        req,
        credentials.security_token(),
        region,
        time,
        additional_headers,
    );
    let secret = credentials.access_key_secret();
    let mac = match cache {
        Some(cache) => cache.keyed(secret, prepared.date(), region),
        None => KeyedHmacSha256::new(&signing_key(secret, prepared.date(), region)),
    };
    let signature = mac.sign(prepared.string_to_sign.as_bytes());
    let authorization = authorization_with(
        credentials.access_key_id(),
        prepared.scope(),
        &prepared.additional_headers,
        2 * signature.len(),
        |auth| push_hex(auth, &signature),
    );
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
