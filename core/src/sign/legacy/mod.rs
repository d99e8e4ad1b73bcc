//! The signing code as it was before it was rewritten for speed (`v1.rs`, `v4.rs`, verbatim but
//! for import paths), and a test that the rewrite produces the same bytes for many generated
//! requests: every string, header and parameter, including the request it mutates.
#![allow(dead_code, reason = "only the functions the comparison calls are used")]

mod v1;
mod v4;

use chrono::{DateTime, TimeZone, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::credentials::Credentials;
use crate::sign::{self, RequestToSign};

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn uri_encode_path(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED_AND_SLASH).to_string()
}

fn resource_path(req: &RequestToSign) -> String {
    match (&req.bucket, &req.key) {
        (Some(b), Some(k)) => format!("/{b}/{k}"),
        (Some(b), None) => format!("/{b}/"),
        (None, _) => "/".to_owned(),
    }
}

/// Pieces that exercise encoding, case, sorting and trimming.
const PIECES: &[&str] = &[
    "a", "B", "z", "0", "-", "_", ".", "~", "/", " ", "+", "%", "*", "=", "&", "?", "{", "!", "中",
    "é", "\u{a0}", "\t", "😀",
];
const QUERY_NAMES: &[&str] = &[
    "partNumber",
    "uploadId",
    "uploads",
    "acl",
    "x-oss-process",
    "X-OSS-Process",
    "response-content-type",
    "prefix",
    "max-keys",
    "security-token",
    "x-oss-date",
    "x-oss-signature",
    "Expires",
    "Signature",
    "a.b",
    "a/b",
    "a~b",
    "a{b",
    "",
];
const HEADER_NAMES: &[&str] = &[
    "Content-Type",
    "content-type",
    "Content-MD5",
    "Content-Length",
    "x-oss-meta-a",
    "X-OSS-Meta-B",
    "X-Oss-Date",
    "x-oss-content-sha256",
    "Host",
    "host",
    "Date",
    "Range",
    "x-oss-中",
    "X-OSS",
    "Cache-Control",
];

fn text(rng: &mut StdRng, max: usize) -> String {
    (0..rng.random_range(0..=max))
        .map(|_| PIECES[rng.random_range(0..PIECES.len())])
        .collect()
}

fn pick(rng: &mut StdRng, list: &[&str]) -> String {
    let name = list[rng.random_range(0..list.len())];
    if rng.random_bool(0.2) {
        format!("{name}{}", text(rng, 2))
    } else {
        name.to_owned()
    }
}

fn request(rng: &mut StdRng) -> RequestToSign {
    let mut req = RequestToSign::new(
        ["GET", "PUT", "POST", "DELETE", "HEAD"][rng.random_range(0..5)],
        None,
        None,
    );
    if rng.random_bool(0.9) {
        req.bucket = Some(text(rng, 4));
        if rng.random_bool(0.8) {
            req.key = Some(text(rng, 12));
        }
    }
    for _ in 0..rng.random_range(0..5) {
        let value = match rng.random_range(0..3) {
            0 => None,
            1 => Some(String::new()),
            _ => Some(text(rng, 6)),
        };
        req.query.push((pick(rng, QUERY_NAMES), value));
    }
    for _ in 0..rng.random_range(0..7) {
        req.headers.push((pick(rng, HEADER_NAMES), text(rng, 5)));
    }
    req
}

fn names(rng: &mut StdRng) -> Vec<String> {
    (0..rng.random_range(0..3))
        .map(|_| {
            let name = pick(rng, HEADER_NAMES);
            match rng.random_range(0..3) {
                0 => name.to_ascii_uppercase(),
                1 => format!(" {name} "),
                _ => name,
            }
        })
        .collect()
}

fn time(rng: &mut StdRng) -> DateTime<Utc> {
    let year = [1970, 2024, 2026, 999, 10_000][rng.random_range(0..5)];
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::seconds(rng.random_range(0..366 * 86_400))
}

fn credentials(rng: &mut StdRng) -> Credentials {
    let id = text(rng, 6);
    let secret = ["secret-of-thirty-characters-xx", "k", ""][rng.random_range(0..3)];
    if rng.random_bool(0.5) {
        Credentials::sts(id, secret, text(rng, 4), None)
    } else {
        Credentials::new(id, secret)
    }
}

fn compare_v4(rng: &mut StdRng, cache: &sign::SigningKeyCache, old_cache: &v4::SigningKeyCache) {
    let req = request(rng);
    let creds = credentials(rng);
    let region = ["cn-hangzhou", "us-west-1"][rng.random_range(0..2)];
    let time = time(rng);
    let additional = names(rng);
    let effective = sign::v4::effective_additional_headers(&req, &additional);
    assert_eq!(
        effective,
        v4::effective_additional_headers(&req, &additional)
    );
    assert_eq!(sign::v4::canonical_uri(&req), v4::canonical_uri(&req));
    assert_eq!(
        sign::v4::canonical_query(&req.query),
        v4::canonical_query(&req.query)
    );
    assert_eq!(
        sign::v4::canonical_headers(&req, &additional),
        v4::canonical_headers(&req, &additional),
        "{req:?}"
    );
    assert_eq!(
        sign::v4::canonical_request(&req, &effective),
        v4::canonical_request(&req, &effective)
    );
    for use_cache in [false, true] {
        let (mut new_req, mut old_req) = (req.clone(), req.clone());
        let new = sign::v4::sign_headers(
            &mut new_req,
            &creds,
            region,
            time,
            &additional,
            use_cache.then_some(cache),
        );
        let old = v4::sign_headers(
            &mut old_req,
            &creds,
            region,
            time,
            &additional,
            use_cache.then_some(old_cache),
        );
        assert_eq!(new, old);
        assert_eq!(new_req, old_req);
    }
    let new = sign::v4::presign(&req, &creds, region, time, 3600, &additional);
    assert_eq!(
        new,
        v4::presign(&req, &creds, region, time, 3600, &additional)
    );
}

fn compare_v1(rng: &mut StdRng) {
    let req = request(rng);
    let creds = credentials(rng);
    let time = time(rng);
    let extra = names(rng);
    assert_eq!(
        sign::v1::canonical_resource(&req, &extra),
        v1::canonical_resource(&req, &extra)
    );
    assert_eq!(
        sign::v1::canonical_oss_headers(&req),
        v1::canonical_oss_headers(&req)
    );
    let (mut new_req, mut old_req) = (req.clone(), req.clone());
    let new = sign::v1::sign_headers(&mut new_req, &creds, time, &extra);
    assert_eq!(new, v1::sign_headers(&mut old_req, &creds, time, &extra));
    assert_eq!(new_req, old_req);
    let expires = time.timestamp() + 60;
    assert_eq!(
        sign::v1::presign(&req, &creds, expires, &extra),
        v1::presign(&req, &creds, expires, &extra)
    );
}

#[test]
fn rewrite_signs_byte_for_byte_as_before() {
    let mut rng = StdRng::seed_from_u64(0x0551_d1ec);
    let cache = sign::SigningKeyCache::default();
    let old_cache = v4::SigningKeyCache::default();
    for _ in 0..5_000 {
        compare_v4(&mut rng, &cache, &old_cache);
        compare_v1(&mut rng);
    }
    for _ in 0..200 {
        let t = time(&mut rng);
        assert_eq!(sign::v4::iso8601_basic(t), v4::iso8601_basic(t));
        assert_eq!(sign::v1::http_date(t), v1::http_date(t));
    }
    assert_eq!(sign::uri_encode("a/b c"), uri_encode("a/b c"));
    assert_eq!(sign::uri_encode_path("a/b c"), uri_encode_path("a/b c"));
}
