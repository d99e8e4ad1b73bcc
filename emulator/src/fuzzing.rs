//! Entry points for the fuzz targets (feature `fuzzing`, used by `fuzz/`): each parser of bytes
//! from the network, fed arbitrary input. They must never panic. Not a stable API.

use std::net::{IpAddr, Ipv4Addr};

use chrono::{TimeZone, Utc};

use crate::identity::token::TokenKey;
use crate::oss::auth::presented::parse_header;
use crate::oss::handlers::multipart::parse_complete;
use crate::oss::range::resolve;
use crate::policy::{evaluate_all, Policy, RequestContext};
use crate::sts::params::Params;

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// An `Authorization` header (V1 or V4).
pub fn authorization(data: &[u8]) {
    let _ = parse_header(&text(data));
}

/// A query string, decoded as the OSS and STS front ends decode it.
pub fn query(data: &[u8]) {
    let raw = text(data);
    let _ = crate::http_util::parse_query(&raw, false);
    let _ = crate::http_util::parse_query(&raw, true);
}

/// A `Range` header against objects of a few sizes.
pub fn range(data: &[u8]) {
    let header = text(data);
    for size in [0, 1, 100, u64::MAX] {
        let _ = resolve(Some(&header), size);
    }
}

/// A RAM policy document, evaluated against a request when it parses.
pub fn policy(data: &[u8]) {
    let Ok(policy) = Policy::parse(&text(data)) else {
        return;
    };
    let ctx = RequestContext {
        action: "oss:PutObject",
        resource: "acs:oss:cn-hangzhou:1234567890123456:bucket/users/alice/a.txt",
        source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        current_time: Utc
            .timestamp_opt(1_700_000_000, 0)
            .single()
            .unwrap_or_default(),
        secure_transport: false,
        prefix: Some("users/"),
    };
    let _ = evaluate_all([&policy], &ctx);
}

/// STS parameters in a query and a form body (split at the first `\n`).
pub fn sts_params(data: &[u8]) {
    let raw = text(data);
    let (query, body) = raw.split_once('\n').unwrap_or((&raw, ""));
    let params = Params::read(
        query,
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    );
    for name in [
        "Action",
        "RoleArn",
        "RoleSessionName",
        "DurationSeconds",
        "Policy",
    ] {
        let _ = params.get(name);
    }
}

/// An STS security token, opened with a fixed key.
pub fn security_token(data: &[u8]) {
    if let Some(key) = TokenKey::from_hex(&"ab".repeat(32)) {
        let _ = key.open(&text(data));
    }
}

/// A `<CompleteMultipartUpload>` body.
pub fn complete_xml(data: &[u8]) {
    let _ = parse_complete(data);
}
