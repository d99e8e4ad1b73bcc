//! OSS request signing: V1 (HMAC-SHA1) and V4 (OSS4-HMAC-SHA256), in headers and in presigned URLs.
//!
//! Every function here is pure: the request description, the credentials and the time go in, the
//! headers or query parameters to add come out. No I/O and no clock reads happen in this module.

mod canonical;
mod dates;
mod encoding;
mod hmac;
#[cfg(test)]
mod legacy;
pub mod redact;
mod request;
pub mod v1;
pub mod v4;

pub use encoding::{uri_encode, uri_encode_path};
pub use hmac::{hmac_sha1, hmac_sha256};
pub use request::{QueryParam, RequestToSign};
pub use v4::SigningKeyCache;

/// The OSS signature algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignatureVersion {
    /// `Authorization: OSS ak:signature` (HMAC-SHA1). The official mobile SDKs' default.
    V1,
    /// `OSS4-HMAC-SHA256` with a region-scoped signing key. The default.
    #[default]
    V4,
}

impl std::str::FromStr for SignatureVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v1" | "1" => Ok(Self::V1),
            "v4" | "4" => Ok(Self::V4),
            other => Err(format!(
                "unknown signature version '{other}' (expected v1 or v4)"
            )),
        }
    }
}

impl std::fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::V1 => "v1",
            Self::V4 => "v4",
        })
    }
}

/// The outcome of signing a request in its headers. `Debug` redacts the signature and the
/// security token.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderSignature {
    /// The value of the `Authorization` header.
    pub authorization: String,
    /// The string that was signed (compare with the `StringToSign` OSS returns on mismatch).
    pub string_to_sign: String,
    /// The V4 canonical request; `None` for V1.
    pub canonical_request: Option<String>,
}

/// The outcome of presigning a request: the query parameters to append to its URL. `Debug`
/// redacts the signature and the security token, also inside the strings that hold them.
#[derive(Clone, PartialEq, Eq)]
pub struct QuerySignature {
    /// Parameters to add to the request's query, in order (decoded values).
    pub params: Vec<(String, String)>,
    /// The string that was signed.
    pub string_to_sign: String,
    /// The V4 canonical request; `None` for V1.
    pub canonical_request: Option<String>,
}

impl std::fmt::Debug for HeaderSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeaderSignature")
            .field("authorization", &redact::REDACTED)
            .field("string_to_sign", &redact::text(&self.string_to_sign, &[]))
            .field(
                "canonical_request",
                &self
                    .canonical_request
                    .as_deref()
                    .map(|c| redact::text(c, &[])),
            )
            .finish()
    }
}

impl std::fmt::Debug for QuerySignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secrets = redact::secret_values(&self.params);
        f.debug_struct("QuerySignature")
            .field("params", &redact::Pairs(&self.params))
            .field(
                "string_to_sign",
                &redact::text(&self.string_to_sign, &secrets),
            )
            .field(
                "canonical_request",
                &self
                    .canonical_request
                    .as_deref()
                    .map(|c| redact::text(c, &secrets)),
            )
            .finish()
    }
}

/// Longest lifetime OSS accepts for a V4 presigned URL (7 days).
pub const V4_MAX_PRESIGN_SECONDS: u64 = 7 * 24 * 3600;

/// The query of a presigned URL: the request's parameters (minus any left from an earlier
/// signature) followed by the signature's.
pub fn presigned_query(
    request_query: &[QueryParam],
    signature: &QuerySignature,
) -> Vec<QueryParam> {
    let mut query: Vec<QueryParam> = request_query
        .iter()
        .filter(|(k, _)| !signature.params.iter().any(|(p, _)| p == k))
        .cloned()
        .collect();
    query.extend(
        signature
            .params
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone()))),
    );
    query
}
