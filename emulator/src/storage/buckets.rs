//! The buckets: the declared ones (default bucket, config file) and those created at run time
//! by PutBucket. Each has `buckets/<name>/bucket.json`, written last when a bucket is created
//! and removed first when it is deleted, so a bucket exists exactly when its record does.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Storage, StoreError};
use crate::fsutil;

/// The record file in a bucket's directory.
const RECORD: &str = "bucket.json";

/// A bucket's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct BucketMeta {
    pub(crate) name: String,
    /// Unix seconds.
    pub(crate) created: i64,
    /// `private`, `public-read` or `public-read-write`.
    pub(crate) acl: String,
    /// `Standard`, `IA`, `Archive`, …
    pub(crate) storage_class: String,
    /// Created by PutBucket (kept across restarts), not declared (which the next start's
    /// declarations decide).
    #[serde(default)]
    pub(crate) run_time: bool,
}

impl BucketMeta {
    /// A private Standard bucket created at `now`.
    pub(crate) fn new(name: &str, now: i64) -> Self {
        Self {
            name: name.to_owned(),
            created: now,
            acl: "private".to_owned(),
            storage_class: "Standard".to_owned(),
            run_time: false,
        }
    }
}

/// The known buckets by name.
pub(super) type Registry = std::sync::RwLock<BTreeMap<String, BucketMeta>>;

/// Creates a bucket's directories and then its record.
async fn materialize(root: &Path, meta: &BucketMeta) -> std::io::Result<()> {
    let dir = root.join(&meta.name);
    for sub in ["objects", "uploads"] {
        tokio::fs::create_dir_all(dir.join(sub)).await?;
    }
    fsutil::write_json_atomic(&dir.join(RECORD), meta).await
}

/// Loads the buckets: every declared one (created if missing) and every one PutBucket created
/// (a directory under `root` with a run-time record). A bucket no longer declared is gone,
/// its directory left alone.
pub(super) async fn load<'a>(
    root: &Path,
    declared: impl Iterator<Item = &'a str>,
    now: i64,
) -> std::io::Result<BTreeMap<String, BucketMeta>> {
    let mut buckets = BTreeMap::new();
    tokio::fs::create_dir_all(root).await?;
    for name in declared {
        let meta = match fsutil::read_json::<BucketMeta>(&root.join(name).join(RECORD)).await? {
            Some(meta) => meta,
            None => {
                let meta = BucketMeta::new(name, created_time(&root.join(name)).unwrap_or(now));
                materialize(root, &meta).await?;
                meta
            }
        };
        buckets.insert(name.to_owned(), meta);
    }
    let mut entries = tokio::fs::read_dir(root).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if buckets.contains_key(&name) {
            continue;
        }
        match fsutil::read_json::<BucketMeta>(&entry.path().join(RECORD)).await? {
            Some(meta) if meta.run_time => {
                buckets.insert(name, meta);
            }
            _ => {}
        }
    }
    Ok(buckets)
}

/// When a directory was created (Unix seconds), if it exists.
fn created_time(dir: &Path) -> Option<i64> {
    let meta = std::fs::metadata(dir).ok()?;
    let time = meta.created().or_else(|_| meta.modified()).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

impl Storage {
    /// Whether the bucket exists.
    pub(crate) fn has_bucket(&self, name: &str) -> bool {
        self.buckets
            .read()
            .map(|b| b.contains_key(name))
            .unwrap_or(false)
    }

    /// A bucket's record.
    pub(crate) fn bucket(&self, name: &str) -> Option<BucketMeta> {
        self.buckets.read().ok()?.get(name).cloned()
    }

    /// Every bucket, sorted by name.
    pub(crate) fn bucket_list(&self) -> Vec<BucketMeta> {
        self.buckets
            .read()
            .map(|b| b.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Creates a bucket; `BucketAlreadyExists` if it exists.
    pub(crate) async fn create_bucket(&self, meta: BucketMeta) -> Result<BucketMeta, StoreError> {
        let _guard = self.commit.lock().await;
        if self.has_bucket(&meta.name) {
            return Err(StoreError::BucketAlreadyExists);
        }
        materialize(&self.root, &meta).await?;
        if let Ok(mut buckets) = self.buckets.write() {
            buckets.insert(meta.name.clone(), meta.clone());
        }
        Ok(meta)
    }

    /// Deletes an empty bucket: `BucketNotEmpty` while it holds objects or uploads.
    pub(crate) async fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        let _guard = self.commit.lock().await;
        if !self.has_bucket(name) {
            return Err(StoreError::NoSuchBucket);
        }
        let dir = self.root.join(name);
        // Objects are their metadata files (data files of replaced versions may linger while
        // read); uploads are their directories.
        if has_entries(&dir.join("objects"), ".json").await?
            || has_entries(&dir.join("uploads"), "").await?
        {
            return Err(StoreError::BucketNotEmpty);
        }
        fsutil::remove_if_exists(&dir.join(RECORD)).await?;
        fsutil::sync_dir(&dir).await?;
        if let Ok(mut buckets) = self.buckets.write() {
            buckets.remove(name);
        }
        tokio::fs::remove_dir_all(&dir).await?;
        Ok(())
    }
}

/// Whether a directory has an entry whose name ends with `suffix` (a missing directory has
/// none).
async fn has_entries(dir: &Path, suffix: &str) -> std::io::Result<bool> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    while let Some(entry) = entries.next_entry().await? {
        if entry.file_name().to_string_lossy().ends_with(suffix) {
            return Ok(true);
        }
    }
    Ok(false)
}
