//! ListObjectsV2: one page of the objects in a bucket.

use reqwest::Method;
use serde::Deserialize;

use super::validate::validate_bucket_name;
use super::xml::{parse, url_decoded};
use crate::client::{Client, OssRequest};
use crate::error::Result;

/// Which page of a listing to fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListObjectsOptions {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Group keys sharing a prefix up to this character into `common_prefixes` (usually `/`).
    pub delimiter: Option<String>,
    /// The `next_continuation_token` of the previous page; `None` for the first page.
    pub continuation_token: Option<String>,
    /// Start after this key (first page only).
    pub start_after: Option<String>,
    /// At most this many entries (1..=1000; `None` is the server's default, 100).
    pub max_keys: Option<u32>,
}

/// One object in a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSummary {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag.
    pub etag: String,
    /// `LastModified` as the server wrote it (ISO 8601).
    pub last_modified: String,
    /// Storage class.
    pub storage_class: String,
}

/// One page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListObjectsPage {
    /// Objects on this page.
    pub objects: Vec<ObjectSummary>,
    /// Prefixes grouped by the delimiter.
    pub common_prefixes: Vec<String>,
    /// Pass this as `continuation_token` for the next page; `None` on the last page.
    pub next_continuation_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListBucketResult {
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_continuation_token: Option<String>,
    #[serde(default)]
    encoding_type: Option<String>,
    #[serde(default, rename = "Contents")]
    contents: Vec<Listed>,
    #[serde(default, rename = "CommonPrefixes")]
    common_prefixes: Vec<Prefix>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listed {
    key: String,
    #[serde(default)]
    size: u64,
    #[serde(default, rename = "ETag")]
    etag: String,
    #[serde(default)]
    last_modified: String,
    #[serde(default)]
    storage_class: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Prefix {
    prefix: String,
}

impl Client {
    /// One page of the objects in `bucket` (ListObjectsV2, keys URL-encoded on the wire).
    pub async fn list_objects(
        &self,
        bucket: &str,
        options: &ListObjectsOptions,
    ) -> Result<ListObjectsPage> {
        validate_bucket_name(bucket)?;
        let mut req = OssRequest::new(Method::GET, Some(bucket), None)
            .query("list-type", Some("2"))
            .query("encoding-type", Some("url"));
        let optional = [
            ("prefix", options.prefix.clone()),
            ("delimiter", options.delimiter.clone()),
            ("continuation-token", options.continuation_token.clone()),
            ("start-after", options.start_after.clone()),
            ("max-keys", options.max_keys.map(|n| n.to_string())),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                req = req.query(name, Some(&v));
            }
        }
        let r = self.send(&req).await?;
        parse_page(&r.body)
    }
}

/// A `ListBucketResult` document as a page (keys URL-decoded when the answer says so).
pub(crate) fn parse_page(body: &[u8]) -> Result<ListObjectsPage> {
    let page: ListBucketResult = parse(body, "ListBucketResult")?;
    let encoded = page.encoding_type.as_deref() == Some("url");
    Ok(ListObjectsPage {
        objects: page
            .contents
            .into_iter()
            .map(|o| ObjectSummary {
                key: url_decoded(&o.key, encoded),
                size: o.size,
                etag: o.etag,
                last_modified: o.last_modified,
                storage_class: o.storage_class,
            })
            .collect(),
        common_prefixes: page
            .common_prefixes
            .into_iter()
            .map(|p| url_decoded(&p.prefix, encoded))
            .collect(),
        next_continuation_token: page
            .next_continuation_token
            .filter(|t| page.is_truncated && !t.is_empty()),
    })
}
