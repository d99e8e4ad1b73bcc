//! The records of the object operations and their conversions from core's types.

use std::collections::HashMap;
use std::time::SystemTime;

/// Options of a PutObject (and of an upload's object).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct PutOptions {
    /// `Content-Type`.
    #[uniffi(default = None)]
    pub content_type: Option<String>,
    /// User metadata (`x-oss-meta-<name>`).
    #[uniffi(default)]
    pub metadata: HashMap<String, String>,
    /// Send `Content-MD5` so the server checks the bytes too.
    #[uniffi(default = false)]
    pub content_md5: bool,
    /// Fail with `FileAlreadyExists` if the key exists.
    #[uniffi(default = false)]
    pub forbid_overwrite: bool,
    /// `x-oss-object-acl` (`private`, `public-read`, …).
    #[uniffi(default = None)]
    pub acl: Option<String>,
    /// `Cache-Control`.
    #[uniffi(default = None)]
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    #[uniffi(default = None)]
    pub content_disposition: Option<String>,
}

impl From<PutOptions> for ossdirect::PutObjectOptions {
    fn from(o: PutOptions) -> Self {
        let mut metadata: Vec<(String, String)> = o.metadata.into_iter().collect();
        metadata.sort();
        Self {
            content_type: o.content_type,
            content_md5: o.content_md5,
            metadata,
            forbid_overwrite: o.forbid_overwrite,
            acl: o.acl,
            cache_control: o.cache_control,
            content_disposition: o.content_disposition,
            ..Self::default()
        }
    }
}

/// What a PutObject answered.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PutResult {
    /// The ETag (quoted).
    pub etag: String,
    /// The object's CRC-64 (verified against the bytes sent).
    pub crc64: Option<u64>,
    /// `x-oss-version-id`, if versioning is on.
    pub version_id: Option<String>,
    /// `x-oss-request-id`.
    pub request_id: String,
}

impl From<ossdirect::api::PutObjectOutput> for PutResult {
    fn from(o: ossdirect::api::PutObjectOutput) -> Self {
        Self {
            etag: o.etag,
            crc64: o.crc64,
            version_id: o.version_id,
            request_id: o.request_id,
        }
    }
}

/// An object's metadata.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ObjectInfo {
    /// Size in bytes.
    pub size: u64,
    /// The ETag (quoted).
    pub etag: String,
    /// `Last-Modified` (HTTP date).
    pub last_modified: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Normal`, `Multipart` or `Appendable`.
    pub object_type: String,
    /// The whole object's CRC-64.
    pub crc64: Option<u64>,
    /// User metadata (names without `x-oss-meta-`).
    pub metadata: HashMap<String, String>,
    /// `x-oss-request-id`.
    pub request_id: String,
}

impl From<ossdirect::api::ObjectMeta> for ObjectInfo {
    fn from(m: ossdirect::api::ObjectMeta) -> Self {
        Self {
            size: m.content_length,
            etag: m.etag,
            last_modified: m.last_modified,
            content_type: m.content_type,
            object_type: m.object_type,
            crc64: m.crc64,
            metadata: m.metadata.into_iter().collect(),
            request_id: m.request_id,
        }
    }
}

/// Which page of a listing to fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct ListObjectsRequest {
    /// Only keys starting with this.
    #[uniffi(default = None)]
    pub prefix: Option<String>,
    /// Group keys up to this character into `common_prefixes` (usually `/`).
    #[uniffi(default = None)]
    pub delimiter: Option<String>,
    /// The previous page's `next_continuation_token`; absent for the first page.
    #[uniffi(default = None)]
    pub continuation_token: Option<String>,
    /// At most this many entries (1..=1000; the server's default is 100).
    #[uniffi(default = None)]
    pub max_keys: Option<u32>,
}

/// One object in a listing.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ObjectSummary {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag (quoted).
    pub etag: String,
    /// `LastModified` (ISO 8601).
    pub last_modified: String,
    /// Storage class.
    pub storage_class: String,
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ListPage {
    /// Objects on this page.
    pub objects: Vec<ObjectSummary>,
    /// Prefixes grouped by the delimiter.
    pub common_prefixes: Vec<String>,
    /// Pass as `continuation_token` for the next page; absent on the last page.
    pub next_continuation_token: Option<String>,
}

impl From<ListObjectsRequest> for ossdirect::api::ListObjectsOptions {
    fn from(r: ListObjectsRequest) -> Self {
        Self {
            prefix: r.prefix,
            delimiter: r.delimiter,
            continuation_token: r.continuation_token,
            start_after: None,
            max_keys: r.max_keys,
        }
    }
}

impl From<ossdirect::api::ListObjectsPage> for ListPage {
    fn from(p: ossdirect::api::ListObjectsPage) -> Self {
        Self {
            objects: p
                .objects
                .into_iter()
                .map(|o| ObjectSummary {
                    key: o.key,
                    size: o.size,
                    etag: o.etag,
                    last_modified: o.last_modified,
                    storage_class: o.storage_class,
                })
                .collect(),
            common_prefixes: p.common_prefixes,
            next_continuation_token: p.next_continuation_token,
        }
    }
}

/// A request to presign.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PresignRequest {
    /// `GET`, `PUT`, `HEAD`, …
    pub method: String,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Validity in seconds (V4: at most 7 days; never beyond the STS token's expiry).
    pub expires_in_secs: u64,
    /// Headers the URL's user must send (e.g. `Content-Type` of a PUT).
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
}

/// A presigned request: anyone with it can make the request until it expires.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PresignedRequest {
    /// The URL.
    pub url: String,
    /// Its method.
    pub method: String,
    /// Headers that must be sent with it.
    pub signed_headers: HashMap<String, String>,
    /// When it stops working.
    pub expiration: SystemTime,
}
