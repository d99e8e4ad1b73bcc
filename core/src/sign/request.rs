//! The signed parts of a request.

/// A query parameter: a name and an optional value (`None` is a valueless parameter such as
/// `?uploads`, `Some("")` an empty one such as `?uploads=`). Both are decoded text.
pub type QueryParam = (String, Option<String>);

/// The parts of an HTTP request that OSS signatures cover. `Debug` redacts the security token
/// and signatures (headers and query).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestToSign {
    /// HTTP method, upper case.
    pub method: String,
    /// The bucket, if the request addresses one.
    pub bucket: Option<String>,
    /// The object key (raw, not encoded), if the request addresses an object.
    pub key: Option<String>,
    /// Query parameters (decoded).
    pub query: Vec<QueryParam>,
    /// Request headers (names in any case).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for RequestToSign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestToSign")
            .field("method", &self.method)
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("query", &super::redact::Pairs(&self.query))
            .field("headers", &super::redact::Pairs(&self.headers))
            .finish()
    }
}

impl RequestToSign {
    /// The secret values it carries (security token, signatures), to redact elsewhere.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut secrets = super::redact::secret_values(&self.headers);
        secrets.extend(
            self.query
                .iter()
                .filter(|(name, _)| super::redact::is_secret(name))
                .filter_map(|(_, value)| value.as_deref())
                .filter(|v| !v.is_empty()),
        );
        secrets
    }

    /// A request with the given method, bucket and key and no query or headers.
    pub fn new(method: &str, bucket: Option<&str>, key: Option<&str>) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            bucket: bucket.map(str::to_owned),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing any value it had (case-insensitive).
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.into()));
    }

    /// Adds a query parameter.
    pub fn push_query(&mut self, name: impl Into<String>, value: Option<String>) {
        self.query.push((name.into(), value));
    }

    /// The resource path OSS signs: `/bucket/key`, `/bucket/` or `/` (raw, not encoded).
    pub fn resource_path(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(b), Some(k)) => format!("/{b}/{k}"),
            (Some(b), None) => format!("/{b}/"),
            (None, _) => "/".to_owned(),
        }
    }
}
