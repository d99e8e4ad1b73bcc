//! Objects and multipart uploads on disk, crash-safe.
//!
//! Layout under the data directory:
//!
//! ```text
//! tmp/                                   bodies being received (emptied on start)
//! buckets/<bucket>/objects/<h>.json      object metadata (h = hex SHA-256 of the key)
//! buckets/<bucket>/objects/<h>.<r>.data  object bytes (r: random, new for every write)
//! buckets/<bucket>/objects/<h>.<r>.<i>.data  part i of a completed multipart object
//! buckets/<bucket>/uploads/<id>/upload.json, part-<n>.json, part-<n>.<r>.data
//! ```
//!
//! Data files are written to `tmp/`, fsynced and renamed into place; the metadata file, replaced
//! atomically, names the current data file (or, for a completed multipart upload, its parts'
//! files, hard-linked into `objects/` so that completing copies nothing). A crash leaves the
//! previous or the new version, never a torn one. Files of a replaced version are removed once
//! no reader has them open ([`reading`]).

mod buckets;
mod copy;
mod multipart;
mod objects;
mod reading;
mod receive;
mod temp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub(crate) use buckets::BucketMeta;
pub(crate) use copy::CopyTarget;
pub(crate) use multipart::{same_etag, PartMeta, UploadMeta};
pub(crate) use objects::{NewObject, ObjectAttributes, ObjectMeta};
pub(crate) use reading::ObjectData;
pub(crate) use receive::{drain, read_small, receive, ReceiveError, ReceivedBody};

use crate::error::EmulatorError;
use crate::fsutil;
use temp::TempFile;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The object does not exist.
    #[error("the object does not exist")]
    NoSuchKey,
    /// The bucket does not exist.
    #[error("the bucket does not exist")]
    NoSuchBucket,
    /// PutBucket of an existing bucket.
    #[error("the bucket already exists")]
    BucketAlreadyExists,
    /// DeleteBucket of a bucket with objects or uploads.
    #[error("the bucket is not empty")]
    BucketNotEmpty,
    /// AppendObject at a position other than the object's length.
    #[error("the position is not the object's length {length}")]
    PositionNotEqualToLength {
        /// The object's length: where the next append must start.
        length: u64,
    },
    /// AppendObject to an object that is not appendable.
    #[error("the object is not appendable")]
    ObjectNotAppendable,
    /// The upload does not exist (or was completed or aborted).
    #[error("the upload does not exist")]
    NoSuchUpload,
    /// `x-oss-forbid-overwrite` and the object exists.
    #[error("the object already exists")]
    FileAlreadyExists,
    /// Complete's parts are not in ascending order.
    #[error("the parts are not in ascending order")]
    InvalidPartOrder,
    /// A part of Complete's list is missing or has another ETag.
    #[error("{0}")]
    InvalidPart(String),
    /// A part other than the last is below the minimum size.
    #[error("part {part_number} is {size} bytes; every part but the last needs at least {min}")]
    EntityTooSmall {
        /// The part.
        part_number: u32,
        /// Its size.
        size: u64,
        /// The minimum.
        min: u64,
    },
    /// The disk failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The object store.
#[derive(Debug)]
pub(crate) struct Storage {
    root: PathBuf,
    tmp: PathBuf,
    /// Serializes metadata swaps so concurrent writers and readers see whole versions.
    commit: tokio::sync::Mutex<()>,
    /// Data files being read.
    leases: Arc<reading::ReadLeases>,
    /// The buckets.
    buckets: buckets::Registry,
}

/// The file-name stem of a key: hex SHA-256 (keys may hold any character).
fn key_stem(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Storage {
    /// Opens the store in `data_dir`, creating the declared buckets (and finding those created
    /// at run time), emptying `tmp/` and
    /// removing data files no object names (left by a crash, or by readers still holding a
    /// replaced version when the emulator stopped).
    pub(crate) async fn open<'a>(
        data_dir: &Path,
        buckets: impl Iterator<Item = &'a str>,
    ) -> Result<Storage, EmulatorError> {
        let root = data_dir.join("buckets");
        let tmp = data_dir.join("tmp");
        let io = |what: &str, e| EmulatorError::io(format!("{what} in {}", data_dir.display()), e);
        if tmp.exists() {
            tokio::fs::remove_dir_all(&tmp)
                .await
                .map_err(|e| io("cannot empty tmp/", e))?;
        }
        tokio::fs::create_dir_all(&tmp)
            .await
            .map_err(|e| io("cannot create tmp/", e))?;
        let now = chrono::Utc::now().timestamp();
        let registry = buckets::load(&root, buckets, now)
            .await
            .map_err(|e| io("cannot load the buckets", e))?;
        for bucket in registry.keys() {
            objects::remove_unnamed_data(&root.join(bucket).join("objects"))
                .await
                .map_err(|e| io("cannot tidy the objects directory", e))?;
        }
        Ok(Storage {
            root,
            tmp,
            commit: tokio::sync::Mutex::new(()),
            leases: Arc::default(),
            buckets: std::sync::RwLock::new(registry),
        })
    }

    /// Where request bodies are received.
    pub(crate) fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    fn objects_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket).join("objects")
    }

    fn uploads_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket).join("uploads")
    }
}

/// A stored record's new version: its bytes, where they go, and the metadata naming them.
struct Version<'a, M> {
    /// The directory of the record's files.
    dir: &'a Path,
    /// The metadata file, replaced atomically.
    meta_path: &'a Path,
    /// The received bytes.
    data: TempFile,
    /// The new data file's name in `dir`.
    data_file: &'a str,
    /// The metadata to write.
    meta: &'a M,
}

/// Installs a new version of a record (caller holds the commit lock): moves the data into
/// place, swaps the metadata atomically, then removes the previous version's data file.
async fn install<M: serde::Serialize>(
    version: Version<'_, M>,
    previous_data_file: Option<&str>,
) -> Result<(), StoreError> {
    let data_path = version.dir.join(version.data_file);
    version.data.persist(&data_path).await?;
    if let Err(e) = fsutil::write_json_atomic(version.meta_path, version.meta).await {
        let _ = fsutil::remove_if_exists(&data_path).await;
        return Err(e.into());
    }
    if let Some(old) = previous_data_file {
        fsutil::remove_if_exists(&version.dir.join(old)).await?;
    }
    Ok(())
}
