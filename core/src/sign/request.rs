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

    /// Makes room for `additional` more headers, so that signing grows the list at most once.
    ///
    /// A larger list is allocated and the headers moved into it, instead of `Vec::reserve`:
    /// that reallocates, which glibc serves outside its per-thread caches of small blocks, and
    /// when the larger list is freed into the cache the next `realloc` cannot reuse it.
    pub(crate) fn reserve_headers(&mut self, additional: usize) {
        if self.headers.capacity() - self.headers.len() < additional {
            let mut headers = Vec::with_capacity(self.headers.len() + additional);
            headers.append(&mut self.headers);
            self.headers = headers;
        }
    }

    /// Adds a query parameter.
    pub fn push_query(&mut self, name: impl Into<String>, value: Option<String>) {
        self.query.push((name.into(), value));
    }

    /// The resource path OSS signs: `/bucket/key`, `/bucket/` or `/` (raw, not encoded).
    pub fn resource_path(&self) -> String {
        let mut path = String::new();
        self.push_resource_path(&mut path);
        path
    }

    /// Appends [`Self::resource_path`] to `out`.
    pub(crate) fn push_resource_path(&self, out: &mut String) {
        out.push('/');
        if let Some(bucket) = &self.bucket {
            out.push_str(bucket);
            out.push('/');
            if let Some(key) = &self.key {
                out.push_str(key);
            }
        }
    }
}
