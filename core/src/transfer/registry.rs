//! The unfinished transfers in a checkpoint directory: listed after a process restart (the normal
//! case on a phone), resumed by id, or discarded (the server's multipart upload aborted, the
//! checkpoint and any partial download deleted).
//!
//! A transfer's id is its checkpoint's file name without `.json`, so it stays the same across
//! runs. Unreadable or foreign files are listed as broken entries that can be discarded.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::checkpoint::{self, CheckpointProblem};
use super::checkpoint_check::CheckedLoad;
use super::download::temp_path;
use super::{DownloadCheckpoint, UploadCheckpoint};
use crate::client::Client;
use crate::error::{Error, Result};

/// Upload or download.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// From the device to OSS.
    Upload,
    /// From OSS to the device.
    Download,
}

impl TransferKind {
    /// The prefix of its checkpoint files (`upload-…json`, `download-…json`).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Download => "download",
        }
    }

    fn of_id(id: &str) -> Option<Self> {
        [Self::Upload, Self::Download]
            .into_iter()
            .find(|k| id.starts_with(&format!("{}-", k.prefix())))
    }
}

/// An unfinished transfer found in a checkpoint directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingTransfer {
    /// Stable id: the checkpoint's file name without `.json`.
    pub id: String,
    /// Upload or download.
    pub kind: TransferKind,
    /// Bucket (empty for a broken entry).
    pub bucket: String,
    /// Key (empty for a broken entry).
    pub key: String,
    /// The local file uploaded from or downloaded to (`None` for an app source).
    pub local_path: Option<PathBuf>,
    /// The app's name for the source of an upload from a reader it supplied (re-supply that
    /// source to resume).
    pub source_name: Option<String>,
    /// Bytes in the whole transfer.
    pub total_bytes: u64,
    /// Bytes already transferred (and recorded).
    pub bytes_done: u64,
    /// Part size the transfer runs with.
    pub part_size: u64,
    /// The multipart upload (uploads only).
    pub upload_id: Option<String>,
    /// When the transfer started, if recorded.
    pub created: Option<SystemTime>,
    /// When the checkpoint was last written.
    pub updated: Option<SystemTime>,
    /// Why its last run failed, if it did.
    pub last_error: Option<String>,
    /// Why the entry cannot be resumed (unreadable or foreign checkpoint); discard it.
    pub problem: Option<String>,
}

/// The checkpoint file of transfer `id` in `dir`.
pub fn checkpoint_path(dir: &Path, id: &str) -> Result<PathBuf> {
    let well_formed = !id.is_empty()
        && TransferKind::of_id(id).is_some()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(Error::InvalidArgument(format!(
            "no such transfer id: {id:?}"
        )));
    }
    Ok(dir.join(format!("{id}.json")))
}

/// Every unfinished transfer in `dir`, oldest first (blocking file I/O: call it off the async
/// threads). A missing directory has none.
pub fn list(dir: &Path) -> Result<Vec<PendingTransfer>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".json") else {
            continue;
        };
        let Some(kind) = TransferKind::of_id(id) else {
            continue;
        };
        let updated = entry.metadata().and_then(|m| m.modified()).ok();
        found.push(describe(&entry.path(), id, kind, updated)?);
    }
    found.sort_by(|a, b| a.updated.cmp(&b.updated).then(a.id.cmp(&b.id)));
    Ok(found)
}

/// One pending transfer by id, if its checkpoint exists.
pub fn find(dir: &Path, id: &str) -> Result<Option<PendingTransfer>> {
    let path = checkpoint_path(dir, id)?;
    let Some(kind) = TransferKind::of_id(id) else {
        return Ok(None);
    };
    let updated = match std::fs::metadata(&path) {
        Ok(m) => m.modified().ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    describe(&path, id, kind, updated).map(Some)
}

fn describe(
    path: &Path,
    id: &str,
    kind: TransferKind,
    updated: Option<SystemTime>,
) -> Result<PendingTransfer> {
    let mut entry = PendingTransfer {
        id: id.to_owned(),
        kind,
        bucket: String::new(),
        key: String::new(),
        local_path: None,
        source_name: None,
        total_bytes: 0,
        bytes_done: 0,
        part_size: 0,
        upload_id: None,
        created: None,
        updated,
        last_error: None,
        problem: None,
    };
    let problem = match kind {
        TransferKind::Upload => match checkpoint::load::<UploadCheckpoint>(path)?.checked() {
            Some(Ok(cp)) => {
                entry.bytes_done = cp.parts.iter().map(|p| p.size).fold(0, u64::saturating_add);
                entry.total_bytes = cp.source.size;
                entry.part_size = cp.part_size;
                entry.upload_id = Some(cp.upload_id);
                entry.created = created(cp.created_ms);
                entry.last_error = cp.last_error;
                match cp.app_source {
                    Some(source) => entry.source_name = Some(source.name),
                    None => entry.local_path = Some(cp.file),
                }
                entry.bucket = cp.bucket;
                entry.key = cp.key;
                None
            }
            Some(Err(problem)) => Some(problem),
            None => Some(CheckpointProblem::Unreadable("vanished".into())),
        },
        TransferKind::Download => match checkpoint::load::<DownloadCheckpoint>(path)?.checked() {
            Some(Ok(cp)) => {
                // The map holds each finished range's CRC-64, keyed by part number.
                entry.bytes_done = cp
                    .parts
                    .keys()
                    .map(|&n| {
                        let start = u64::from(n.saturating_sub(1)).saturating_mul(cp.part_size);
                        cp.size.saturating_sub(start).min(cp.part_size)
                    })
                    .fold(0u64, u64::saturating_add);
                entry.total_bytes = cp.size;
                entry.part_size = cp.part_size;
                entry.created = created(cp.created_ms);
                entry.last_error = cp.last_error;
                entry.local_path = Some(cp.file);
                entry.bucket = cp.bucket;
                entry.key = cp.key;
                None
            }
            Some(Err(problem)) => Some(problem),
            None => Some(CheckpointProblem::Unreadable("vanished".into())),
        },
    };
    entry.problem = problem.map(|p| p.to_string());
    Ok(entry)
}

/// A checkpoint's `created_ms` as a time (`None` when not recorded).
fn created(ms: u64) -> Option<SystemTime> {
    (ms > 0).then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms))
}

impl Client {
    /// Forgets transfer `id` of `dir`: aborts its multipart upload on the server (an upload that
    /// is already gone is fine), deletes a partial download and the checkpoint. Discarding an id
    /// that is not there succeeds.
    pub async fn discard_transfer(&self, dir: &Path, id: &str) -> Result<()> {
        let path = checkpoint_path(dir, id)?;
        let found = {
            let (dir, id) = (dir.to_path_buf(), id.to_owned());
            blocking(move || find(&dir, &id)).await?
        };
        let Some(entry) = found else {
            return Ok(());
        };
        if let (Some(upload_id), false) = (&entry.upload_id, entry.bucket.is_empty()) {
            match self
                .abort_multipart_upload(&entry.bucket, &entry.key, upload_id)
                .await
            {
                Err(e) if e.code() != Some("NoSuchUpload") => return Err(e),
                _ => {}
            }
        }
        let temp = match (entry.kind, &entry.local_path) {
            (TransferKind::Download, Some(file)) => Some(temp_path(file)),
            _ => None,
        };
        blocking(move || {
            if let Some(temp) = temp {
                checkpoint::remove(&temp)?;
            }
            checkpoint::remove(&path)
        })
        .await
    }
}

/// Runs blocking file work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?
}
