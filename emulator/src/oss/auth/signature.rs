//! Recomputing a request's signature with the core signing functions and comparing it.

use axum::http::StatusCode;
use ossdirect::sign::{v1, v4};

use super::super::error::OssError;
use super::super::request::OssRequest;
use super::presented::{Credential, Presented};
use crate::crypto::constant_time_eq;

/// Query parameters that carry a V1 presigned URL's signature (not signed themselves).
const V1_QUERY_AUTH: &[&str] = &["OSSAccessKeyId", "Expires", "Signature"];
/// The V4 presigned signature (every other `x-oss-*` parameter is signed).
const V4_QUERY_AUTH: &[&str] = &["x-oss-signature"];

/// What the server computed.
struct Computed {
    signature: String,
    string_to_sign: String,
    canonical_request: Option<String>,
}

fn invalid_scope(message: String) -> OssError {
    OssError::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
}

/// Checks a V4 credential scope against the server's region and the request's date.
fn check_scope(credential: &Credential, datetime: &str, region: &str) -> Result<(), OssError> {
    if credential.region != region {
        return Err(invalid_scope(format!(
            "Invalid signing region in the credential: '{}'; this server is '{region}'.",
            credential.region
        )));
    }
    if credential.product != "oss" || credential.terminator != "aliyun_v4_request" {
        return Err(invalid_scope(
            "Invalid credential scope: expected <date>/<region>/oss/aliyun_v4_request.".to_owned(),
        ));
    }
    if datetime.get(..8) != Some(credential.date.as_str()) {
        return Err(invalid_scope(format!(
            "Invalid signing date in the credential: '{}' is not the date of x-oss-date '{datetime}'.",
            credential.date
        )));
    }
    Ok(())
}

fn compute_v4(
    req: &OssRequest,
    without_query: &[&str],
    credential: &Credential,
    additional: &[String],
    datetime: &str,
    secret: &str,
) -> Computed {
    let to_sign = req.to_sign(without_query);
    let canonical = v4::canonical_request(&to_sign, additional);
    let scope = v4::scope(&credential.date, &credential.region);
    let string_to_sign = v4::string_to_sign(datetime, &scope, &canonical);
    let key = v4::signing_key(secret, &credential.date, &credential.region);
    Computed {
        signature: v4::signature(&key, &string_to_sign),
        string_to_sign,
        canonical_request: Some(canonical),
    }
}

/// The V1 signature of `req`, its authentication parameters and `also_unsigned` left out of the
/// query.
fn compute_v1(
    presented: &Presented,
    req: &OssRequest,
    secret: &str,
    also_unsigned: &[&str],
) -> Computed {
    let (date, auth_params): (&str, &[&str]) = match presented {
        Presented::V1Query { expires, .. } => (expires, V1_QUERY_AUTH),
        _ => (
            req.header("x-oss-date")
                .or_else(|| req.header("date"))
                .unwrap_or_default(),
            &[],
        ),
    };
    let without: Vec<&str> = auth_params.iter().chain(also_unsigned).copied().collect();
    let string_to_sign = v1::string_to_sign(&req.to_sign(&without), date, &[]);
    Computed {
        signature: v1::signature(secret, &string_to_sign),
        string_to_sign,
        canonical_request: None,
    }
}

/// The Python SDK v2's V1 signer does not sign `x-oss-*` query parameters as sub-resources (the
/// other official SDKs do): with the emulator option `lenient_v1_oss_query`, a V1 request whose
/// signature matches without them is accepted too. Off by default: otherwise anyone holding a
/// V1 presigned URL could add `x-oss-process` or `x-oss-traffic-limit` to it.
fn matches_without_oss_query(
    presented: &Presented,
    req: &OssRequest,
    secret: &str,
    provided: &str,
) -> bool {
    if !matches!(
        presented,
        Presented::V1Header { .. } | Presented::V1Query { .. }
    ) {
        return false;
    }
    let oss_params: Vec<&str> = req
        .query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("x-oss-"))
        .collect();
    if oss_params.is_empty() {
        return false;
    }
    let alternative = compute_v1(presented, req, secret, &oss_params);
    constant_time_eq(provided.as_bytes(), alternative.signature.as_bytes())
}

fn compute(
    presented: &Presented,
    req: &OssRequest,
    secret: &str,
    region: &str,
) -> Result<Computed, OssError> {
    Ok(match presented {
        Presented::V1Header { .. } | Presented::V1Query { .. } => {
            compute_v1(presented, req, secret, &[])
        }
        Presented::V4Header {
            credential,
            additional_headers,
            ..
        } => {
            let datetime = req.header("x-oss-date").unwrap_or_default();
            check_scope(credential, datetime, region)?;
            compute_v4(req, &[], credential, additional_headers, datetime, secret)
        }
        Presented::V4Query {
            credential,
            additional_headers,
            datetime,
            ..
        } => {
            check_scope(credential, datetime, region)?;
            compute_v4(
                req,
                V4_QUERY_AUTH,
                credential,
                additional_headers,
                datetime,
                secret,
            )
        }
    })
}

fn provided(presented: &Presented) -> String {
    match presented {
        Presented::V1Header { signature, .. } | Presented::V1Query { signature, .. } => {
            signature.clone()
        }
        Presented::V4Header { signature, .. } | Presented::V4Query { signature, .. } => {
            signature.to_ascii_lowercase()
        }
    }
}

/// A V4 request's `x-oss-content-sha256`, when present, must be `UNSIGNED-PAYLOAD`: OSS answers
/// any other value with 400 `InvalidArgument`, EC 0002-00000214, before looking at the
/// signature (a digest there would suggest the body is verified, and it is not).
pub(crate) fn check_content_sha256(
    presented: &Presented,
    req: &OssRequest,
) -> Result<(), OssError> {
    if !matches!(
        presented,
        Presented::V4Header { .. } | Presented::V4Query { .. }
    ) {
        return Ok(());
    }
    match req.header("x-oss-content-sha256") {
        Some(value) if value != v4::UNSIGNED_PAYLOAD => Err(OssError::invalid_argument(
            "The x-oss-content-sha256 only supports UNSIGNED-PAYLOAD.",
            "x-oss-content-sha256",
            value,
        )
        .with_documented_ec("0002-00000214")),
        _ => Ok(()),
    }
}

/// Verifies the request's signature under `secret`; a mismatch answers
/// `SignatureDoesNotMatch` with the string (and canonical request) the server signed.
pub(crate) fn verify(
    presented: &Presented,
    req: &OssRequest,
    secret: &str,
    region: &str,
    lenient_v1_oss_query: bool,
) -> Result<(), OssError> {
    let computed = compute(presented, req, secret, region)?;
    let provided = provided(presented);
    if constant_time_eq(provided.as_bytes(), computed.signature.as_bytes())
        || (lenient_v1_oss_query && matches_without_oss_query(presented, req, secret, &provided))
    {
        return Ok(());
    }
    let bytes: Vec<String> = computed
        .string_to_sign
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut error = OssError::new(
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
    .with("StringToSign", computed.string_to_sign)
    .with("StringToSignBytes", bytes.join(" "));
    if let Some(canonical) = computed.canonical_request {
        error = error.with("CanonicalRequest", canonical);
    }
    Err(error
        .with("SignatureProvided", provided)
        .with("OSSAccessKeyId", presented.access_key_id()))
}
