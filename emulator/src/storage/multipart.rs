//! Multipart uploads: the upload record, its parts, and completion into an object.

use std::path::PathBuf;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::objects::{NewBytes, NewObject};
use super::{install, ObjectAttributes, ObjectMeta, ReceivedBody, Storage, StoreError, Version};
use crate::{fsutil, ids};

/// Every part but the last must be at least this large (checked at completion).
pub(crate) const MIN_PART_SIZE: u64 = 100 * 1024;

/// A multipart upload in progress.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    pub(crate) upload_id: String,
    pub(crate) key: String,
    /// Unix milliseconds.
    pub(crate) initiated: i64,
    pub(crate) attributes: ObjectAttributes,
}

/// An uploaded part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PartMeta {
    pub(crate) part_number: u32,
    pub(crate) size: u64,
    /// Quoted upper-case hex MD5.
    pub(crate) etag: String,
    md5: [u8; 16],
    pub(crate) crc64: u64,
    /// Unix milliseconds.
    pub(crate) last_modified: i64,
    data_file: String,
}

/// Strips quotes and compares case-insensitively, as OSS compares ETags.
pub(crate) fn same_etag(a: &str, b: &str) -> bool {
    a.trim()
        .trim_matches('"')
        .eq_ignore_ascii_case(b.trim().trim_matches('"'))
}

impl Storage {
    fn upload_dir(&self, bucket: &str, upload_id: &str) -> PathBuf {
        self.uploads_dir(bucket).join(upload_id)
    }

    /// Starts an upload.
    pub(crate) async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: ObjectAttributes,
        now_ms: i64,
    ) -> Result<UploadMeta, StoreError> {
        let meta = UploadMeta {
            upload_id: ids::upload_id(),
            key: key.to_owned(),
            initiated: now_ms,
            attributes,
        };
        let dir = self.upload_dir(bucket, &meta.upload_id);
        tokio::fs::create_dir_all(&dir).await?;
        fsutil::write_json_atomic(&dir.join("upload.json"), &meta).await?;
        Ok(meta)
    }

    /// The upload `upload_id` of `key`; `NoSuchUpload` if it does not exist or is another
    /// key's.
    pub(crate) async fn upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<UploadMeta, StoreError> {
        if !ids::is_upload_id(upload_id) {
            return Err(StoreError::NoSuchUpload);
        }
        let path = self.upload_dir(bucket, upload_id).join("upload.json");
        match fsutil::read_json::<UploadMeta>(&path).await? {
            Some(meta) if meta.key == key => Ok(meta),
            _ => Err(StoreError::NoSuchUpload),
        }
    }

    /// Stores a part, replacing an earlier upload of the same number.
    pub(crate) async fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ReceivedBody,
        now_ms: i64,
    ) -> Result<PartMeta, StoreError> {
        let dir = self.upload_dir(bucket, upload_id);
        let part = PartMeta {
            part_number,
            size: body.size,
            etag: format!("\"{}\"", hex::encode_upper(body.md5)),
            md5: body.md5,
            crc64: body.crc64,
            last_modified: now_ms,
            data_file: format!("part-{part_number}.{}.data", ids::alnum(12)),
        };
        let meta_path = dir.join(format!("part-{part_number}.json"));
        let _guard = self.commit.lock().await;
        self.upload(bucket, key, upload_id).await?;
        let previous: Option<PartMeta> = fsutil::read_json(&meta_path).await?;
        let version = Version {
            dir: &dir,
            meta_path: &meta_path,
            data: body.file,
            data_file: &part.data_file,
            meta: &part,
        };
        install(version, previous.as_ref().map(|p| p.data_file.as_str())).await?;
        Ok(part)
    }

    /// The upload and its parts, ascending by part number.
    pub(crate) async fn parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(UploadMeta, Vec<PartMeta>), StoreError> {
        let upload = self.upload(bucket, key, upload_id).await?;
        let dir = self.upload_dir(bucket, upload_id);
        let mut parts = Vec::new();
        let mut entries = tokio::fs::read_dir(&dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("part-") && name.ends_with(".json") {
                if let Some(part) = fsutil::read_json::<PartMeta>(&entry.path()).await? {
                    parts.push(part);
                }
            }
        }
        parts.sort_by_key(|p| p.part_number);
        Ok((upload, parts))
    }

    /// Every upload in progress in the bucket, sorted by key then upload id.
    pub(crate) async fn uploads(&self, bucket: &str) -> Result<Vec<UploadMeta>, StoreError> {
        let mut uploads = Vec::new();
        let mut entries = tokio::fs::read_dir(self.uploads_dir(bucket)).await?;
        while let Some(entry) = entries.next_entry().await? {
            if let Some(meta) =
                fsutil::read_json::<UploadMeta>(&entry.path().join("upload.json")).await?
            {
                uploads.push(meta);
            }
        }
        uploads.sort_by(|a, b| (&a.key, &a.upload_id).cmp(&(&b.key, &b.upload_id)));
        Ok(uploads)
    }

    /// Ends an upload: its record first (atomic), then its files.
    async fn remove_upload(&self, bucket: &str, upload_id: &str) -> Result<(), StoreError> {
        let dir = self.upload_dir(bucket, upload_id);
        fsutil::remove_if_exists(&dir.join("upload.json")).await?;
        fsutil::sync_dir(&dir).await?;
        tokio::fs::remove_dir_all(&dir).await?;
        Ok(())
    }

    /// Aborts an upload, discarding its parts.
    pub(crate) async fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), StoreError> {
        let _guard = self.commit.lock().await;
        self.upload(bucket, key, upload_id).await?;
        self.remove_upload(bucket, upload_id).await
    }

    /// Completes an upload into an object. `selection` lists `(part number, ETag)` as the
    /// client sent them; `None` takes every uploaded part (`x-oss-complete-all`).
    pub(crate) async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        selection: Option<Vec<(u32, String)>>,
        forbid_overwrite: bool,
        now: i64,
    ) -> Result<ObjectMeta, StoreError> {
        // Under the lock from the start: the parts chosen are the ones whose files are linked
        // (an UploadPart replacing one of them waits), and the upload vanishes with the object.
        let _guard = self.commit.lock().await;
        let (upload, uploaded) = self.parts(bucket, key, upload_id).await?;
        let chosen = choose_parts(&uploaded, selection)?;
        let dir = self.upload_dir(bucket, upload_id);
        let parts = chosen
            .iter()
            .map(|p| (dir.join(&p.data_file), p.size))
            .collect();
        let mut md5s = Md5::new();
        let mut crc = 0u64;
        let mut size = 0u64;
        for part in &chosen {
            md5s.update(part.md5);
            crc = ossdirect::crc64::combine(crc, part.crc64, part.size);
            size += part.size;
        }
        let new = NewObject {
            key: key.to_owned(),
            data: NewBytes::Parts(parts),
            size,
            etag: format!(
                "\"{}-{}\"",
                hex::encode_upper(md5s.finalize()),
                chosen.len()
            ),
            crc64: crc,
            object_type: "Multipart",
            last_modified: now,
            attributes: upload.attributes,
        };
        let meta = self
            .put_object_locked(bucket, new, forbid_overwrite)
            .await?;
        self.remove_upload(bucket, upload_id).await?;
        Ok(meta)
    }
}

/// Checks Complete's part list against the uploaded parts and returns the parts to join.
fn choose_parts(
    uploaded: &[PartMeta],
    selection: Option<Vec<(u32, String)>>,
) -> Result<Vec<PartMeta>, StoreError> {
    let chosen: Vec<PartMeta> = match selection {
        None => uploaded.to_vec(),
        Some(list) => {
            if list.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(StoreError::InvalidPartOrder);
            }
            list.iter()
                .map(|(number, etag)| {
                    let part = uploaded
                        .iter()
                        .find(|p| p.part_number == *number)
                        .ok_or_else(|| {
                            StoreError::InvalidPart(format!("part {number} has not been uploaded"))
                        })?;
                    if !same_etag(&part.etag, etag) {
                        return Err(StoreError::InvalidPart(format!(
                            "part {number} has ETag {}, not {etag}",
                            part.etag
                        )));
                    }
                    Ok(part.clone())
                })
                .collect::<Result<_, _>>()?
        }
    };
    if chosen.is_empty() {
        return Err(StoreError::InvalidPart(
            "the upload has no parts to complete".to_owned(),
        ));
    }
    if let Some(small) = chosen[..chosen.len() - 1]
        .iter()
        .find(|p| p.size < MIN_PART_SIZE)
    {
        return Err(StoreError::EntityTooSmall {
            part_number: small.part_number,
            size: small.size,
            min: MIN_PART_SIZE,
        });
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(n: u32, size: u64) -> PartMeta {
        PartMeta {
            part_number: n,
            size,
            etag: format!("\"E{n}\""),
            md5: [0; 16],
            crc64: 0,
            last_modified: 0,
            data_file: String::new(),
        }
    }

    #[test]
    fn part_rules() {
        let up = vec![part(1, MIN_PART_SIZE), part(2, 10), part(5, 1)];
        let sel = |v: &[(u32, &str)]| Some(v.iter().map(|(n, e)| (*n, e.to_string())).collect());
        assert_eq!(
            choose_parts(&up, sel(&[(1, "e1"), (2, "\"E2\"")]))
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            choose_parts(&up, sel(&[(2, "E2"), (1, "E1")])),
            Err(StoreError::InvalidPartOrder)
        ));
        assert!(matches!(
            choose_parts(&up, sel(&[(1, "E1"), (1, "E1")])),
            Err(StoreError::InvalidPartOrder)
        ));
        assert!(matches!(
            choose_parts(&up, sel(&[(3, "E3")])),
            Err(StoreError::InvalidPart(_))
        ));
        assert!(matches!(
            choose_parts(&up, sel(&[(1, "XX")])),
            Err(StoreError::InvalidPart(_))
        ));
        assert!(matches!(
            choose_parts(&up, None),
            Err(StoreError::EntityTooSmall { part_number: 2, .. })
        ));
        assert!(matches!(
            choose_parts(&[], None),
            Err(StoreError::InvalidPart(_))
        ));
    }
}
