//! Endpoints and addressing: which URL a (bucket, key) request goes to.

use url::Url;

use crate::error::{Error, Result};
use crate::sign::{uri_encode, uri_encode_path};

/// How the bucket appears in request URLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Addressing {
    /// Virtual-hosted (`bucket.host/key`), except for IP endpoints, which use path style.
    #[default]
    Auto,
    /// `bucket.host/key`.
    VirtualHosted,
    /// `host/bucket/key`.
    PathStyle,
    /// A custom domain bound to one bucket: `host/key`.
    Cname,
}

/// An OSS endpoint: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// The public endpoint of a region (`https://oss-<region>.aliyuncs.com`).
    pub fn from_region(region: &str) -> Result<Self> {
        Self::parse(&format!("https://oss-{region}.aliyuncs.com"))
    }

    /// The internal (VPC) endpoint of a region (`https://oss-<region>-internal.aliyuncs.com`).
    pub fn internal(region: &str) -> Result<Self> {
        Self::parse(&format!("https://oss-{region}-internal.aliyuncs.com"))
    }

    /// Parses `https://host[:port]`, `http://...` or a bare host (https is assumed).
    pub fn parse(endpoint: &str) -> Result<Self> {
        let with_scheme = if endpoint.contains("://") {
            endpoint.to_owned()
        } else {
            format!("https://{endpoint}")
        };
        let base = Url::parse(&with_scheme)
            .map_err(|e| Error::InvalidArgument(format!("endpoint '{endpoint}': {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(Error::InvalidArgument(format!(
                "endpoint '{endpoint}' must be an http(s) URL with a host"
            )));
        }
        Ok(Self { base })
    }

    /// The endpoint as a URL string (`scheme://host[:port]`).
    pub fn as_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Whether answers from this endpoint may be trusted to set the client's clock: https, or a
    /// loopback host (an emulator on this machine). Over plain http to another host anyone on
    /// the way could move the clock.
    pub fn may_teach_clock(&self) -> bool {
        if self.base.scheme() == "https" {
            return true;
        }
        match self.base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
    }

    /// Whether the host is an IP address (which forces path style).
    pub fn is_ip(&self) -> bool {
        matches!(
            self.base.host(),
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))
        )
    }

    fn host_port(&self) -> String {
        let host = match self.base.host() {
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        match self.base.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }

    /// The URL of a request (query encoded as OSS expects; valueless parameters as bare names).
    pub fn url_for(
        &self,
        addressing: Addressing,
        bucket: Option<&str>,
        key: Option<&str>,
        query: &[(String, Option<String>)],
    ) -> String {
        let style = match addressing {
            Addressing::Auto if self.is_ip() => Addressing::PathStyle,
            Addressing::Auto => Addressing::VirtualHosted,
            other => other,
        };
        let key_path = key.map(uri_encode_path).unwrap_or_default();
        let host = self.host_port();
        let scheme = self.base.scheme();
        let mut url = match (style, bucket) {
            (Addressing::VirtualHosted, Some(b)) => format!("{scheme}://{b}.{host}/{key_path}"),
            (Addressing::PathStyle, Some(b)) if key.is_some() => {
                format!("{scheme}://{host}/{b}/{key_path}")
            }
            (Addressing::PathStyle, Some(b)) => format!("{scheme}://{host}/{b}/"),
            _ => format!("{scheme}://{host}/{key_path}"),
        };
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&uri_encode(k));
            if let Some(v) = v {
                url.push('=');
                url.push_str(&uri_encode(v));
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_endpoint_is_https() {
        let e = Endpoint::from_region("cn-hangzhou").unwrap();
        assert_eq!(e.as_str(), "https://oss-cn-hangzhou.aliyuncs.com");
        assert!(!e.is_ip());
    }

    #[test]
    fn addressing_styles() {
        let e = Endpoint::parse("oss-cn-hangzhou.aliyuncs.com").unwrap();
        let q = vec![
            ("uploads".to_owned(), None),
            ("a b".to_owned(), Some("c/d".to_owned())),
        ];
        assert_eq!(
            e.url_for(Addressing::Auto, Some("bkt"), Some("dir/a b+.txt"), &q),
            "https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2B.txt?uploads&a%20b=c%2Fd"
        );
        assert_eq!(
            e.url_for(Addressing::PathStyle, Some("bkt"), Some("k"), &[]),
            "https://oss-cn-hangzhou.aliyuncs.com/bkt/k"
        );
        assert_eq!(
            e.url_for(Addressing::Cname, Some("bkt"), Some("k"), &[]),
            "https://oss-cn-hangzhou.aliyuncs.com/k"
        );
        let ip = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert!(ip.is_ip());
        assert_eq!(
            ip.url_for(Addressing::Auto, Some("bkt"), None, &[]),
            "http://127.0.0.1:9000/bkt/"
        );
    }
}
