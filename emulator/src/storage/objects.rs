//! Objects: metadata plus a data file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::temp::TempFile;
use super::{install, key_stem, ReceivedBody, Storage, StoreError, Version};
use crate::{fsutil, ids};

/// What the client said about an object when writing it (kept and echoed on reads).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ObjectAttributes {
    /// `Content-Type` (default `application/octet-stream`).
    pub(crate) content_type: String,
    /// `x-oss-meta-*` headers, lower-case names with the prefix.
    pub(crate) user_meta: Vec<(String, String)>,
    /// Standard headers kept and echoed: `Cache-Control`, `Content-Disposition`,
    /// `Content-Encoding`, `Expires`.
    pub(crate) headers: Vec<(String, String)>,
}

/// An object's metadata.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub(crate) key: String,
    pub(crate) size: u64,
    /// Quoted, upper-case hex (`"<md5>"`, multipart `"<md5>-<n>"`).
    pub(crate) etag: String,
    pub(crate) crc64: u64,
    /// `Normal` or `Multipart`.
    pub(crate) object_type: String,
    /// Unix seconds.
    pub(crate) last_modified: i64,
    pub(crate) attributes: ObjectAttributes,
    /// The data file's name in the bucket's `objects/`.
    data_file: String,
}

/// A new object version before it is stored.
pub(crate) struct NewObject {
    pub(crate) key: String,
    pub(crate) data: TempFile,
    pub(crate) size: u64,
    pub(crate) etag: String,
    pub(crate) crc64: u64,
    pub(crate) object_type: &'static str,
    pub(crate) last_modified: i64,
    pub(crate) attributes: ObjectAttributes,
}

impl NewObject {
    /// A `Normal` object from a received body.
    pub(crate) fn normal(
        key: &str,
        body: ReceivedBody,
        attributes: ObjectAttributes,
        now: i64,
    ) -> Self {
        Self {
            key: key.to_owned(),
            etag: format!("\"{}\"", hex::encode_upper(body.md5)),
            size: body.size,
            crc64: body.crc64,
            data: body.file,
            object_type: "Normal",
            last_modified: now,
            attributes,
        }
    }
}

impl Storage {
    fn meta_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.objects_dir(bucket)
            .join(format!("{}.json", key_stem(key)))
    }

    /// Stores a new object version, replacing any previous one (unless `forbid_overwrite`).
    pub(crate) async fn put_object(
        &self,
        bucket: &str,
        new: NewObject,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError> {
        let _guard = self.commit.lock().await;
        self.put_object_locked(bucket, new, forbid_overwrite).await
    }

    /// [`Storage::put_object`] for a caller that holds the commit lock.
    pub(super) async fn put_object_locked(
        &self,
        bucket: &str,
        new: NewObject,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError> {
        let meta_path = self.meta_path(bucket, &new.key);
        let data_file = format!("{}.{}.data", key_stem(&new.key), ids::alnum(12));
        let dir = self.objects_dir(bucket);
        let meta = ObjectMeta {
            key: new.key,
            size: new.size,
            etag: new.etag,
            crc64: new.crc64,
            object_type: new.object_type.to_owned(),
            last_modified: new.last_modified,
            attributes: new.attributes,
            data_file: data_file.clone(),
        };
        let previous: Option<ObjectMeta> = fsutil::read_json(&meta_path).await?;
        if forbid_overwrite && previous.is_some() {
            return Err(StoreError::FileAlreadyExists);
        }
        let version = Version {
            dir: &dir,
            meta_path: &meta_path,
            data: new.data,
            data_file: &data_file,
            meta: &meta,
        };
        install(version, previous.as_ref().map(|p| p.data_file.as_str())).await?;
        Ok(meta)
    }

    /// An object's metadata.
    pub(crate) async fn object_meta(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectMeta, StoreError> {
        fsutil::read_json(&self.meta_path(bucket, key))
            .await?
            .ok_or(StoreError::NoSuchKey)
    }

    /// An object's metadata and its open data file (a consistent pair even if it is being
    /// overwritten).
    pub(crate) async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectMeta, tokio::fs::File), StoreError> {
        let _guard = self.commit.lock().await;
        let meta = self.object_meta(bucket, key).await?;
        let file = tokio::fs::File::open(self.objects_dir(bucket).join(&meta.data_file)).await?;
        Ok((meta, file))
    }

    /// Every object of the bucket, sorted by key.
    pub(crate) async fn list_objects(&self, bucket: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let mut objects = Vec::new();
        let mut entries = tokio::fs::read_dir(self.objects_dir(bucket)).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry.file_name().to_string_lossy().ends_with(".json") {
                if let Some(meta) = fsutil::read_json::<ObjectMeta>(&entry.path()).await? {
                    objects.push(meta);
                }
            }
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// When the bucket's directory was created (Unix seconds), as its creation date.
    pub(crate) async fn bucket_created(&self, bucket: &str) -> i64 {
        let meta = tokio::fs::metadata(self.root.join(bucket)).await.ok();
        meta.and_then(|m| m.created().or_else(|_| m.modified()).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
    }

    /// Deletes an object; deleting a missing one succeeds.
    pub(crate) async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        let meta_path = self.meta_path(bucket, key);
        let _guard = self.commit.lock().await;
        if let Some(meta) = fsutil::read_json::<ObjectMeta>(&meta_path).await? {
            fsutil::remove_if_exists(&meta_path).await?;
            fsutil::remove_if_exists(&self.objects_dir(bucket).join(meta.data_file)).await?;
            fsutil::sync_dir(&self.objects_dir(bucket)).await?;
        }
        Ok(())
    }
}
