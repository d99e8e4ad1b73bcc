//! Objects: metadata plus a data file, or the files of a completed upload's parts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::reading::ObjectData;
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
    /// The object ACL (`x-oss-object-acl`): `private`, `public-read`, `public-read-write`;
    /// `None` (`default`): the bucket's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) acl: Option<String>,
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
    /// The data file's name in the bucket's `objects/` (empty when `segments` hold the bytes).
    #[serde(default)]
    data_file: String,
    /// A completed multipart upload's bytes: its parts' files in `objects/`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    segments: Vec<Segment>,
}

/// One file of an object's bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Segment {
    file: String,
    size: u64,
}

impl ObjectMeta {
    /// The data files in order, with their sizes.
    pub(super) fn files(&self) -> Vec<(&str, u64)> {
        let files = if self.segments.is_empty() {
            vec![(self.data_file.as_str(), self.size)]
        } else {
            self.segments
                .iter()
                .map(|s| (s.file.as_str(), s.size))
                .collect()
        };
        files
            .into_iter()
            .filter(|(name, _)| !name.is_empty())
            .collect()
    }
}

/// Where a new object's bytes are.
pub(crate) enum NewBytes {
    /// A received body.
    File(TempFile),
    /// A multipart upload's chosen parts (their files and sizes), in order.
    Parts(Vec<(PathBuf, u64)>),
}

/// A new object version before it is stored.
pub(crate) struct NewObject {
    pub(crate) key: String,
    pub(crate) data: NewBytes,
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
            data: NewBytes::File(body.file),
            object_type: "Normal",
            last_modified: now,
            attributes,
        }
    }
}

impl Storage {
    pub(super) fn meta_path(&self, bucket: &str, key: &str) -> PathBuf {
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
        let previous: Option<ObjectMeta> = fsutil::read_json(&meta_path).await?;
        if forbid_overwrite && previous.is_some() {
            return Err(StoreError::FileAlreadyExists);
        }
        let stem = format!("{}.{}", key_stem(&new.key), ids::alnum(12));
        let dir = self.objects_dir(bucket);
        let mut meta = ObjectMeta {
            key: new.key,
            size: new.size,
            etag: new.etag,
            crc64: new.crc64,
            object_type: new.object_type.to_owned(),
            last_modified: new.last_modified,
            attributes: new.attributes,
            data_file: String::new(),
            segments: Vec::new(),
        };
        match new.data {
            NewBytes::File(data) => {
                meta.data_file = format!("{stem}.data");
                let version = Version {
                    dir: &dir,
                    meta_path: &meta_path,
                    data,
                    data_file: &meta.data_file,
                    meta: &meta,
                };
                install(version, None).await?;
            }
            NewBytes::Parts(parts) => {
                meta.segments = link_parts(&dir, &stem, &parts).await?;
                if let Err(e) = fsutil::write_json_atomic(&meta_path, &meta).await {
                    for segment in &meta.segments {
                        let _ = fsutil::remove_if_exists(&dir.join(&segment.file)).await;
                    }
                    return Err(e.into());
                }
            }
        }
        if let Some(previous) = previous {
            self.retire_files(&dir, &previous).await;
        }
        Ok(meta)
    }

    /// Removes the data files of a version no metadata names any more, once nobody reads them.
    /// The change is already committed, so a failure is only logged: the next start removes
    /// whatever is left ([`Storage::open`]).
    async fn retire_files(&self, dir: &Path, old: &ObjectMeta) {
        for (file, _) in old.files() {
            let path = dir.join(file);
            if let Err(error) = self.leases.retire(path.clone()).await {
                tracing::warn!(path = %path.display(), %error, "cannot remove a replaced data file");
            }
        }
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

    /// An object's metadata and its bytes, which stay readable while the object is
    /// overwritten or deleted.
    pub(crate) async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectMeta, ObjectData), StoreError> {
        let _guard = self.commit.lock().await;
        let meta = self.object_meta(bucket, key).await?;
        let dir = self.objects_dir(bucket);
        let files = meta
            .files()
            .into_iter()
            .map(|(file, size)| (dir.join(file), size))
            .collect();
        let data = ObjectData::new(files, &self.leases);
        Ok((meta, data))
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

    /// Sets an object's ACL (`None`: the bucket's), keeping everything else.
    pub(crate) async fn set_object_acl(
        &self,
        bucket: &str,
        key: &str,
        acl: Option<String>,
    ) -> Result<(), StoreError> {
        let meta_path = self.meta_path(bucket, key);
        let _guard = self.commit.lock().await;
        let mut meta: ObjectMeta = fsutil::read_json(&meta_path)
            .await?
            .ok_or(StoreError::NoSuchKey)?;
        meta.attributes.acl = acl;
        fsutil::write_json_atomic(&meta_path, &meta).await?;
        Ok(())
    }

    /// Deletes an object; deleting a missing one succeeds.
    pub(crate) async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        let meta_path = self.meta_path(bucket, key);
        let _guard = self.commit.lock().await;
        if let Some(meta) = fsutil::read_json::<ObjectMeta>(&meta_path).await? {
            let dir = self.objects_dir(bucket);
            fsutil::remove_if_exists(&meta_path).await?;
            self.retire_files(&dir, &meta).await;
            fsutil::sync_dir(&dir).await?;
        }
        Ok(())
    }
}
/// Removes the `.data` files in an objects directory that no object's metadata names. Does
/// nothing if some metadata cannot be read (its files might be among them).
pub(super) async fn remove_unnamed_data(dir: &Path) -> std::io::Result<()> {
    let mut named = std::collections::HashSet::new();
    let mut data = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            match fsutil::read_json::<ObjectMeta>(&entry.path()).await {
                Ok(Some(meta)) => named.extend(meta.files().into_iter().map(|(f, _)| f.to_owned())),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(file = %entry.path().display(), %error, "unreadable object metadata; keeping every data file");
                    return Ok(());
                }
            }
        } else if name.ends_with(".data") {
            data.push(name);
        }
    }
    for name in data.into_iter().filter(|name| !named.contains(name)) {
        fsutil::remove_if_exists(&dir.join(name)).await?;
    }
    Ok(())
}

/// Links a completed upload's part files into `dir` as `<stem>.<i>.data` and syncs the
/// directory. Where the file system has no hard links, the parts are copied (and synced).
async fn link_parts(
    dir: &Path,
    stem: &str,
    parts: &[(PathBuf, u64)],
) -> Result<Vec<Segment>, StoreError> {
    let mut segments: Vec<Segment> = Vec::with_capacity(parts.len());
    for (i, (source, size)) in parts.iter().enumerate() {
        let file = format!("{stem}.{i}.data");
        if let Err(e) = link_or_copy(source.clone(), dir.join(&file)).await {
            for done in &segments {
                let _ = fsutil::remove_if_exists(&dir.join(&done.file)).await;
            }
            return Err(e.into());
        }
        segments.push(Segment { file, size: *size });
    }
    fsutil::sync_dir(dir).await?;
    Ok(segments)
}

/// A hard link from `dest` to `source`; a synced copy if the file system cannot link them.
async fn link_or_copy(source: PathBuf, dest: PathBuf) -> std::io::Result<()> {
    use std::io::ErrorKind;
    match tokio::fs::hard_link(&source, &dest).await {
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Unsupported
                    | ErrorKind::PermissionDenied
                    | ErrorKind::CrossesDevices
                    | ErrorKind::TooManyLinks
            ) =>
        {
            tokio::task::spawn_blocking(move || {
                std::fs::copy(&source, &dest)?;
                std::fs::File::open(&dest)?.sync_all()
            })
            .await
            .map_err(std::io::Error::other)?
        }
        other => other,
    }
}
