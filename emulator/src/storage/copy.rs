//! Objects made of bytes already stored: CopyObject (the source version's files, hard-linked
//! like a completed upload's parts) and AppendObject (the object's files plus the appended
//! body). Neither rewrites the bytes it reuses.

use md5::{Digest, Md5};

use super::objects::{NewBytes, NewObject};
use super::{ObjectAttributes, ObjectData, ObjectMeta, ReceivedBody, Storage, StoreError};
use crate::fsutil;

/// `x-oss-object-type` of an object AppendObject created.
const APPENDABLE: &str = "Appendable";

/// Where and how a copy is stored.
pub(crate) struct CopyTarget<'a> {
    /// The destination bucket.
    pub(crate) bucket: &'a str,
    /// The destination key.
    pub(crate) key: &'a str,
    /// The copy's attributes (the source's with `COPY`, the request's with `REPLACE`).
    pub(crate) attributes: ObjectAttributes,
    /// `x-oss-forbid-overwrite`.
    pub(crate) forbid_overwrite: bool,
    /// Unix seconds.
    pub(crate) now: i64,
}

fn quoted_md5(digest: &[u8]) -> String {
    format!("\"{}\"", hex::encode_upper(digest))
}

impl Storage {
    /// Stores the version `source` (opened with its metadata `source_meta`, so its files stay
    /// in place) as a new object: same bytes, ETag and CRC-64.
    pub(crate) async fn copy_object(
        &self,
        source_meta: &ObjectMeta,
        source: &ObjectData,
        target: CopyTarget<'_>,
    ) -> Result<ObjectMeta, StoreError> {
        let object_type = if source_meta.object_type == "Multipart" {
            "Multipart"
        } else {
            "Normal"
        };
        let new = NewObject {
            key: target.key.to_owned(),
            data: NewBytes::Parts(source.files()),
            size: source_meta.size,
            etag: source_meta.etag.clone(),
            crc64: source_meta.crc64,
            object_type,
            last_modified: target.now,
            attributes: target.attributes,
        };
        self.put_object(target.bucket, new, target.forbid_overwrite)
            .await
    }

    /// Appends `body` at `position` to the appendable object `key` (created, with
    /// `attributes`, when it does not exist and `position` is 0).
    pub(crate) async fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        body: ReceivedBody,
        attributes: ObjectAttributes,
        now: i64,
    ) -> Result<ObjectMeta, StoreError> {
        let _guard = self.commit.lock().await;
        let previous: Option<ObjectMeta> = fsutil::read_json(&self.meta_path(bucket, key)).await?;
        let dir = self.objects_dir(bucket);
        let (mut files, length, crc64, etag, attributes) = match previous {
            None => (Vec::new(), 0, 0, quoted_md5(&body.md5), attributes),
            Some(p) if p.object_type != APPENDABLE => return Err(StoreError::ObjectNotAppendable),
            Some(p) => {
                let files = p
                    .files()
                    .into_iter()
                    .map(|(file, size)| (dir.join(file), size))
                    .collect();
                let mut etag = Md5::new();
                etag.update(p.etag.as_bytes());
                etag.update(body.md5);
                (
                    files,
                    p.size,
                    p.crc64,
                    quoted_md5(&etag.finalize()),
                    p.attributes,
                )
            }
        };
        if position != length {
            return Err(StoreError::PositionNotEqualToLength { length });
        }
        files.push((body.file.path().to_owned(), body.size));
        let new = NewObject {
            key: key.to_owned(),
            data: NewBytes::Parts(files),
            size: length + body.size,
            etag,
            crc64: ossdirect::crc64::combine(crc64, body.crc64, body.size),
            object_type: APPENDABLE,
            last_modified: now,
            attributes,
        };
        // The received file is linked into place; its temporary name goes with `body`.
        self.put_object_locked(bucket, new, false).await
    }
}
