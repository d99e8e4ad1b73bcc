//! Reading an OSS request: addressing (path style or virtual-hosted), key, query.

use std::net::IpAddr;

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use ossdirect::sign::RequestToSign;

use super::error::OssError;
use crate::http_util::{self, QueryParam};
use crate::storage::Storage;

/// An OSS request with its bucket and key resolved and its query decoded.
#[derive(Debug)]
pub(crate) struct OssRequest {
    pub(crate) method: Method,
    pub(crate) bucket: Option<String>,
    /// The object key, decoded (`None` for bucket and service requests).
    pub(crate) key: Option<String>,
    pub(crate) query: Vec<QueryParam>,
    pub(crate) headers: HeaderMap,
    pub(crate) peer: IpAddr,
    /// The `Host` header.
    pub(crate) host: String,
}

/// The host without its port (IPv6 brackets removed).
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// The bucket named by a virtual-hosted `Host` (`<bucket>.<anything>`), if it is a known one.
fn virtual_host_bucket<'a>(host: &'a str, storage: &Storage) -> Option<&'a str> {
    let name = host_name(host);
    if name.parse::<IpAddr>().is_ok() {
        return None;
    }
    let (first, rest) = name.split_once('.')?;
    (!rest.is_empty() && storage.has_bucket(first)).then_some(first)
}

fn invalid_name(message: &str) -> OssError {
    OssError::new(StatusCode::BAD_REQUEST, "InvalidObjectName", message)
}

impl OssRequest {
    /// Resolves bucket and key from `Host` and the path, and decodes the query.
    pub(crate) fn parse(parts: &Parts, peer: IpAddr, storage: &Storage) -> Result<Self, OssError> {
        let host = http_util::header(&parts.headers, "host")
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_default();
        let raw_path = parts
            .uri
            .path()
            .strip_prefix('/')
            .unwrap_or(parts.uri.path());
        let (bucket, raw_key) = match virtual_host_bucket(&host, storage) {
            Some(bucket) => (Some(bucket.to_owned()), raw_path),
            None => match raw_path.split_once('/') {
                Some((bucket, key)) => (Some(bucket.to_owned()), key),
                None if raw_path.is_empty() => (None, ""),
                None => (Some(raw_path.to_owned()), ""),
            },
        };
        let bucket = bucket
            .map(|b| {
                http_util::percent_decode(&b)
                    .ok_or_else(|| invalid_name("the bucket name is not UTF-8"))
            })
            .transpose()?;
        let key = if raw_key.is_empty() {
            None
        } else {
            Some(
                http_util::percent_decode(raw_key)
                    .ok_or_else(|| invalid_name("The object key is not valid UTF-8."))?,
            )
        };
        Ok(Self {
            method: parts.method.clone(),
            bucket,
            key,
            query: http_util::parse_query(parts.uri.query().unwrap_or(""), false),
            headers: parts.headers.clone(),
            peer,
            host,
        })
    }

    /// Whether the query has this parameter (with or without a value).
    pub(crate) fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    /// A query parameter's value (`Some("")` for a valueless one).
    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        http_util::header(&self.headers, name)
    }

    /// Whether `encoding-type=url` asks for URL-encoded keys in the answer.
    pub(crate) fn url_encoding(&self) -> bool {
        self.query_value("encoding-type") == Some("url")
    }

    /// The bucket (routing guarantees one for every implemented operation).
    pub(crate) fn bucket(&self) -> &str {
        self.bucket.as_deref().unwrap_or("")
    }

    /// The object key, checked against OSS's naming rules.
    pub(crate) fn object_key(&self) -> Result<&str, OssError> {
        let key = self.key.as_deref().unwrap_or("");
        ossdirect::api::validate_object_key(key).map_err(|_| {
            invalid_name("The object name is invalid: it must be 1-1023 bytes of UTF-8 and must not start with '/' or '\\'.")
                .with("Key", key)
        })?;
        Ok(key)
    }

    /// The request as the signature algorithms see it, minus the named query parameters.
    pub(crate) fn to_sign(&self, without_query: &[&str]) -> RequestToSign {
        RequestToSign {
            method: self.method.as_str().to_owned(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            query: self
                .query
                .iter()
                .filter(|(k, _)| !without_query.contains(&k.as_str()))
                .cloned()
                .collect(),
            headers: http_util::header_pairs(&self.headers),
        }
    }

    /// `HostId` for error documents.
    pub(crate) fn host_id(&self) -> String {
        host_name(&self.host).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("bkt.localhost"), "bkt.localhost");
    }
}
