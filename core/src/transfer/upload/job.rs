//! One upload's state, gathered so that its steps take no long parameter lists (the Go SDK's
//! `uploaderDelegate` is the model), and how an upload that stopped is cleaned up.

use std::path::PathBuf;
use std::time::Duration;

use super::super::checkpoint::CheckpointFile;
use super::super::control::Watcher;
use super::super::read_at::AppSource;
use super::super::source::{identify, PartReader, SourceIdentity};
use super::{UploadCheckpoint, UploadOptions};
use crate::client::Client;
use crate::error::{Error, Result};

/// The longest a cancel waits for the server to abort the upload.
const ABORT_WAIT: Duration = Duration::from_millis(700);

/// An upload: where it goes, how, and what can stop it.
pub(super) struct UploadJob<'a> {
    pub(super) client: &'a Client,
    pub(super) bucket: &'a str,
    pub(super) key: &'a str,
    pub(super) options: &'a UploadOptions,
    pub(super) watcher: Watcher,
}

/// Where a resumable upload's bytes come from: what its checkpoint names.
pub(super) enum Origin {
    /// A local file.
    File(PathBuf),
    /// A reader the app supplied, under the app's name and version.
    App(AppSource),
}

impl Origin {
    /// What the checkpoint's file name is derived from (with the direction, bucket and key).
    fn checkpoint_name(&self) -> PathBuf {
        match self {
            Self::File(path) => path.clone(),
            Self::App(source) => source.checkpoint_name(),
        }
    }

    /// Whether `cp` is the checkpoint of an upload from this source (same file, or same app
    /// name), whatever its content now.
    pub(super) fn named_in(&self, cp: &UploadCheckpoint) -> bool {
        match (self, &cp.app_source) {
            (Self::File(path), None) => &cp.file == path,
            (Self::App(source), Some(recorded)) => recorded.name == source.name,
            _ => false,
        }
    }

    /// Why the source differs from the one `cp` recorded (its version), if it does.
    pub(super) fn version_change(&self, cp: &UploadCheckpoint) -> Option<String> {
        match (self, &cp.app_source) {
            (Self::App(source), Some(recorded)) if recorded.version != source.version => {
                Some(format!(
                    "{} was version {:?}, is {:?}",
                    source.name, recorded.version, source.version
                ))
            }
            _ => None,
        }
    }
}

/// A multipart upload of a source of known size, resumable when it is a file or an app source
/// and there is a `checkpoint_dir`.
pub(super) struct Multipart<'a> {
    pub(super) job: &'a UploadJob<'a>,
    /// Bytes in the source.
    pub(super) size: u64,
    /// The source file or app source, if the source is one.
    pub(super) origin: Option<Origin>,
    pub(super) reader: PartReader,
    /// The checkpoint, with a file or app source and a `checkpoint_dir`.
    pub(super) checkpoint: Option<CheckpointFile<UploadCheckpoint>>,
    /// The source's identity now, when there is a checkpoint.
    pub(super) identity: Option<SourceIdentity>,
}

impl<'a> Multipart<'a> {
    /// Gathers the upload of `size` bytes from `reader` (read from `origin`, if one).
    pub(super) async fn new(
        job: &'a UploadJob<'a>,
        size: u64,
        origin: Option<Origin>,
        reader: PartReader,
    ) -> Result<Self> {
        let checkpoint = match (&job.options.checkpoint_dir, &origin) {
            (Some(dir), Some(o)) => Some(CheckpointFile::for_transfer(
                dir,
                "upload",
                job.bucket,
                job.key,
                &o.checkpoint_name(),
            )),
            _ => None,
        };
        let identity = match &origin {
            Some(Origin::File(f)) if checkpoint.is_some() => Some(identify(f).await?),
            Some(Origin::App(_)) if checkpoint.is_some() => Some(SourceIdentity {
                size,
                modified_ns: 0,
                sample: String::new(),
            }),
            _ => None,
        };
        Ok(Self {
            job,
            size,
            origin,
            reader,
            checkpoint,
            identity,
        })
    }

    /// Whether a stopped upload could be resumed later: through its checkpoint, or the upload
    /// id the caller gave.
    pub(super) fn resumable(&self) -> bool {
        self.checkpoint.is_some() || self.job.options.upload_id.is_some()
    }
}

impl UploadJob<'_> {
    /// What to do after the part loop stopped with `e`: on cancel, abort (unless kept) and forget
    /// the checkpoint; on pause or failure, keep everything for a resume.
    pub(super) async fn stopped(
        &self,
        upload_id: &str,
        e: Error,
        checkpoint: Option<&CheckpointFile<UploadCheckpoint>>,
    ) -> Error {
        if matches!(e, Error::Cancelled) {
            let keep = self.options.keep_upload_on_cancel;
            self.forget_upload(upload_id, checkpoint, keep, "cancelled")
                .await;
        }
        e
    }

    /// Forgets an upload: aborts it on the server (unless `keep_on_server`) and removes its
    /// checkpoint. Failures are logged: the caller goes on either way.
    pub(super) async fn forget_upload(
        &self,
        upload_id: &str,
        checkpoint: Option<&CheckpointFile<UploadCheckpoint>>,
        keep_on_server: bool,
        why: &str,
    ) {
        if !keep_on_server {
            self.abort_promptly(upload_id, why).await;
        }
        if let Some(checkpoint) = checkpoint {
            if let Err(e) = checkpoint.remove().await {
                tracing::warn!(%e, why, "could not remove the checkpoint");
            }
        }
    }

    /// Aborts an upload, waiting at most [`ABORT_WAIT`]: a slow or unreachable server must not
    /// hold up a cancel. A longer abort goes on in the background under the retry policy.
    async fn abort_promptly(&self, upload_id: &str, why: &str) {
        let abort = {
            let (client, bucket, key, id) = (
                self.client.clone(),
                self.bucket.to_owned(),
                self.key.to_owned(),
                upload_id.to_owned(),
            );
            tokio::spawn(async move {
                if let Err(e) = client.abort_multipart_upload(&bucket, &key, &id).await {
                    tracing::warn!(%e, upload_id = id, "could not abort the upload");
                }
            })
        };
        if tokio::time::timeout(ABORT_WAIT, abort).await.is_err() {
            tracing::info!(upload_id, why, "the abort goes on in the background");
        }
    }
}
