//! Uploads: one PutObject below a threshold, otherwise a multipart upload with parallel parts,
//! read from the source as they are sent, resumable through a checkpoint.
//!
//! - this module: the options, the entry point and the single PutObject;
//! - [`job`]: one upload's state ([`job::UploadJob`]) and how a stopped upload is cleaned up;
//! - [`plan`]: where a multipart upload starts (a checkpoint, a given upload id, or a new one);
//! - [`reconcile`]: which parts the server already has that match the source;
//! - [`parts`]: sending the parts, `parallel` at a time, and completing the upload.

mod job;
mod parts;
mod plan;
pub(crate) mod reconcile;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use self::job::{Multipart, Origin, UploadJob};
use super::control::{stop_aware, TransferHandle};
use super::events::{observed, EventCallback};
use super::progress::{Progress, ProgressCallback, ProgressReporter};
use super::read_at::AppSource;
use super::source::{PartReader, SourceIdentity, UploadSource};
use crate::api::{PutObjectOptions, MAX_PARTS};
use crate::client::{BodyProgress, Client};
use crate::error::{Error, Result};

/// Smallest part OSS accepts (but for the last).
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// Largest part OSS accepts.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// How to upload.
#[derive(Clone)]
pub struct UploadOptions {
    /// Part size (default 8 MiB); grows automatically so no upload needs more than 10,000 parts.
    pub part_size: u64,
    /// Parts in flight at once (default 4). Parts of files and app readers stream from the
    /// source (two 256 KiB chunks per part in flight); streams of unknown length buffer whole
    /// parts (`part_size × parallel`).
    pub parallel: usize,
    /// Sources no larger than this go up in one PutObject (default: the part size); larger ones
    /// go multipart.
    pub multipart_threshold: u64,
    /// Where checkpoints of file uploads are kept; `None` disables resuming.
    pub checkpoint_dir: Option<PathBuf>,
    /// Resume this multipart upload (e.g. one the app server initiated): the parts it already
    /// has are reused. If the server no longer has it, the upload fails with `NoSuchUpload`
    /// rather than silently starting another one the app server does not know of.
    pub upload_id: Option<String>,
    /// Object headers (content type, metadata, ...).
    pub put: PutObjectOptions,
    /// Send `Content-MD5` with every part.
    pub content_md5: bool,
    /// Receives progress.
    pub progress: Option<ProgressCallback>,
    /// Shortest interval between progress reports (default 200 ms).
    pub progress_interval: Duration,
    /// Told when a part finished, a request is retried, the credentials were refreshed.
    pub events: Option<EventCallback>,
    /// On cancel, keep the multipart upload on the server instead of aborting it.
    pub keep_upload_on_cancel: bool,
    /// Resuming a transfer (e.g. an app re-supplying the source after a restart): if the source
    /// changed since its checkpoint was written, fail with [`Error::SourceChanged`] and keep the
    /// checkpoint and the server's parts, instead of starting the upload over.
    pub refuse_changed_source: bool,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            parallel: 4,
            multipart_threshold: 8 * 1024 * 1024,
            checkpoint_dir: None,
            upload_id: None,
            put: PutObjectOptions::default(),
            content_md5: false,
            progress: None,
            progress_interval: Duration::from_millis(200),
            events: None,
            keep_upload_on_cancel: false,
            refuse_changed_source: false,
        }
    }
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("part_size", &self.part_size)
            .field("parallel", &self.parallel)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("upload_id", &self.upload_id)
            .finish_non_exhaustive()
    }
}

/// The result of an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadOutput {
    /// The object's ETag.
    pub etag: String,
    /// The object's CRC-64 as the server reported it (verified against the bytes sent).
    pub crc64: Option<u64>,
    /// Bytes in the object.
    pub size: u64,
    /// Parts (1 for a single PutObject).
    pub parts: u32,
    /// Parts found already uploaded by an earlier run and not sent again.
    pub parts_reused: u32,
}

/// The checkpoint of a resumable multipart upload (from a file, or from a reader the app
/// supplied).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCheckpoint {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The local file (empty for an app source).
    pub file: PathBuf,
    /// The source's identity when the upload started (for an app source, its size only).
    pub source: SourceIdentity,
    /// The app's name and version of the source, for an upload from a reader the app supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_source: Option<AppSource>,
    /// When the upload started, milliseconds since the Unix epoch (0 if not recorded).
    #[serde(default)]
    pub created_ms: u64,
    /// Why the last run of the upload failed, if it did (a pause is not a failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The multipart upload.
    pub upload_id: String,
    /// The part size the upload started with (kept on resume).
    pub part_size: u64,
    /// Parts finished.
    pub parts: Vec<CheckpointPart>,
}

/// A finished part in a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointPart {
    /// Part number.
    pub number: u32,
    /// ETag.
    pub etag: String,
    /// CRC-64 of the part.
    pub crc64: u64,
    /// Size.
    pub size: u64,
}

/// The part size for `size` bytes: the wish, raised so that at most 10,000 parts are needed.
pub fn effective_part_size(size: u64, wish: u64) -> u64 {
    let floor = size.div_ceil(MAX_PARTS as u64);
    wish.max(floor).clamp(MIN_PART_SIZE, MAX_PART_SIZE)
}

fn part_count(size: u64, part_size: u64) -> u32 {
    size.div_ceil(part_size).max(1) as u32
}

fn part_range(number: u32, part_size: u64, size: u64) -> (u64, usize) {
    let offset = (number as u64 - 1) * part_size;
    (offset, part_size.min(size - offset) as usize)
}

impl Client {
    /// Uploads `source` to `bucket/key`: one PutObject below the threshold, else a multipart
    /// upload (resumable for files when `checkpoint_dir` is set). `handle` pauses or cancels it.
    pub async fn upload(
        &self,
        bucket: &str,
        key: &str,
        source: UploadSource,
        options: &UploadOptions,
        handle: &TransferHandle,
    ) -> Result<UploadOutput> {
        let work = self.upload_observed(bucket, key, source, options, handle);
        observed(options.events.clone(), work).await
    }

    /// [`Client::upload`], inside the scope of its event callback.
    async fn upload_observed(
        &self,
        bucket: &str,
        key: &str,
        source: UploadSource,
        options: &UploadOptions,
        handle: &TransferHandle,
    ) -> Result<UploadOutput> {
        if options.parallel == 0 {
            return Err(Error::InvalidArgument("parallel must be at least 1".into()));
        }
        let (size, origin, mut reader) = match source {
            UploadSource::File(path) => {
                let size = tokio::fs::metadata(&path)
                    .await
                    .map_err(|e| {
                        Error::Io(std::io::Error::new(
                            e.kind(),
                            format!("{}: {e}", path.display()),
                        ))
                    })?
                    .len();
                (
                    Some(size),
                    Some(Origin::File(path.clone())),
                    PartReader::File(path),
                )
            }
            UploadSource::At {
                reader,
                size,
                identity,
            } => (
                Some(size),
                Some(Origin::App(identity)),
                PartReader::At(reader),
            ),
            UploadSource::Bytes(b) => (Some(b.len() as u64), None, PartReader::Bytes(b)),
            UploadSource::Reader { reader, size } => (size, None, PartReader::Stream(reader)),
        };
        let job = UploadJob {
            client: self,
            bucket,
            key,
            options,
            watcher: handle.watcher(),
        };
        match size {
            Some(size) if size <= options.multipart_threshold.max(1) => {
                let body = stop_aware(&job.watcher, reader.read(0, size as usize)).await?;
                job.put_whole(body).await
            }
            Some(size) => {
                let multipart = Multipart::new(&job, size, origin, reader).await?;
                multipart.run().await
            }
            None => {
                // Unknown length: read the first part to decide.
                let first_len = effective_part_size(0, options.part_size);
                let first = stop_aware(&job.watcher, reader.read(0, first_len as usize)).await?;
                if (first.len() as u64) < first_len {
                    return job.put_whole(first).await;
                }
                job.stream_multipart(first, reader).await
            }
        }
    }
}

impl UploadJob<'_> {
    /// The whole source in one PutObject.
    async fn put_whole(&self, body: Bytes) -> Result<UploadOutput> {
        let size = body.len() as u64;
        let reporter = Arc::new(ProgressReporter::new(
            self.options.progress.clone(),
            self.options.progress_interval,
            Progress {
                bytes_total: size,
                parts_total: 1,
                ..Default::default()
            },
        ));
        let mut put = self.options.put.clone();
        put.content_md5 |= self.options.content_md5;
        let progress = Some(part_progress(&reporter, 1));
        let out = stop_aware(
            &self.watcher,
            self.client
                .put_object_reporting(self.bucket, self.key, body, &put, progress),
        )
        .await?;
        reporter.part_done(1, size);
        Ok(UploadOutput {
            etag: out.etag,
            crc64: out.crc64,
            size,
            parts: 1,
            parts_reused: 0,
        })
    }
}

/// Reports the bytes of part `number` sent so far to `reporter`.
fn part_progress(reporter: &Arc<ProgressReporter>, number: u32) -> BodyProgress {
    let reporter = reporter.clone();
    BodyProgress(Arc::new(move |sent| reporter.part_progress(number, sent)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_grows_to_fit_ten_thousand_parts() {
        assert_eq!(effective_part_size(1 << 30, 8 << 20), 8 << 20);
        let huge = 200u64 << 30; // 200 GiB with 8 MiB parts would need 25,600 parts
        let p = effective_part_size(huge, 8 << 20);
        assert!(part_count(huge, p) <= MAX_PARTS);
        assert_eq!(effective_part_size(10, 1), MIN_PART_SIZE);
    }

    #[test]
    fn transfer_futures_can_be_spawned() {
        fn spawnable<T: Send + 'static>(_: T) {}
        let provider = crate::StaticProvider::new(crate::Credentials::new("ak", "secret"));
        let client = Client::builder("cn-hangzhou")
            .credentials_provider(Arc::new(provider))
            .build()
            .unwrap();
        let reader = Box::new(tokio::io::empty());
        let source = UploadSource::Reader { reader, size: None };
        spawnable(async move {
            let handle = TransferHandle::new();
            let options = UploadOptions::default();
            let _ = client.upload("b", "k", source, &options, &handle).await;
            let download = super::super::DownloadOptions::default();
            let path = std::path::Path::new("f");
            let _ = client.download("b", "k", path, &download, &handle).await;
        });
    }

    #[test]
    fn ranges_cover_the_source() {
        let (size, ps) = (1_000_001u64, 250_000u64);
        let n = part_count(size, ps);
        assert_eq!(n, 5);
        let total: u64 = (1..=n).map(|i| part_range(i, ps, size).1 as u64).sum();
        assert_eq!(total, size);
        assert_eq!(part_range(5, ps, size), (1_000_000, 1));
    }
}
