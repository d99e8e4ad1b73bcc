//! Uploads: one PutObject below a threshold, otherwise a multipart upload with parallel parts,
//! read from the source as they are sent, resumable through a checkpoint.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::checkpoint::CheckpointFile;
use super::control::{ControlState, TransferHandle, Watcher};
use super::progress::{Progress, ProgressCallback, ProgressReporter};
use super::source::{identify, BufferPool, PartReader, SourceIdentity, UploadSource};
use crate::api::{CompleteOptions, PartInfo, PutObjectOptions, UploadedPart, MAX_PARTS};
use crate::client::{BodyProgress, Client};
use crate::crc64;
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
    /// Parts in flight at once (default 4). Memory stays near `part_size × parallel`.
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
    /// On cancel, keep the multipart upload on the server instead of aborting it.
    pub keep_upload_on_cancel: bool,
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
            keep_upload_on_cancel: false,
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

/// The checkpoint of a multipart file upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCheckpoint {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The local file.
    pub file: PathBuf,
    /// The file's identity when the upload started.
    pub source: SourceIdentity,
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

/// Where a multipart upload stands before parts are sent.
struct Plan {
    upload_id: String,
    part_size: u64,
    done: BTreeMap<u32, UploadedPart>,
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
        if options.parallel == 0 {
            return Err(Error::InvalidArgument("parallel must be at least 1".into()));
        }
        let (size, file, mut reader) = match source {
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
                (Some(size), Some(path.clone()), PartReader::File(path))
            }
            UploadSource::Bytes(b) => (Some(b.len() as u64), None, PartReader::Bytes(b)),
            UploadSource::Reader { reader, size } => (size, None, PartReader::Stream(reader)),
        };
        let watcher = handle.watcher();
        match size {
            Some(size) if size <= options.multipart_threshold.max(1) => {
                let body = stop_aware(&watcher, reader.read(0, size as usize)).await?;
                self.put_whole(bucket, key, body, options, &watcher).await
            }
            Some(size) => {
                self.multipart(bucket, key, size, file, reader, options, watcher)
                    .await
            }
            None => {
                // Unknown length: read the first part to decide.
                let first_len = effective_part_size(0, options.part_size);
                let first = stop_aware(&watcher, reader.read(0, first_len as usize)).await?;
                if (first.len() as u64) < first_len {
                    return self.put_whole(bucket, key, first, options, &watcher).await;
                }
                self.stream_multipart(bucket, key, first, reader, options, watcher)
                    .await
            }
        }
    }

    async fn put_whole(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        options: &UploadOptions,
        watcher: &Watcher,
    ) -> Result<UploadOutput> {
        let size = body.len() as u64;
        let reporter = Arc::new(ProgressReporter::new(
            options.progress.clone(),
            options.progress_interval,
            Progress {
                bytes_total: size,
                parts_total: 1,
                ..Default::default()
            },
        ));
        let mut put = options.put.clone();
        put.content_md5 |= options.content_md5;
        let out = stop_aware(
            watcher,
            self.put_object_reporting(bucket, key, body, &put, Some(part_progress(&reporter, 1))),
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

    #[allow(clippy::too_many_arguments)]
    async fn multipart(
        &self,
        bucket: &str,
        key: &str,
        size: u64,
        file: Option<PathBuf>,
        mut reader: PartReader,
        options: &UploadOptions,
        watcher: Watcher,
    ) -> Result<UploadOutput> {
        let checkpoint_file = match (&options.checkpoint_dir, &file) {
            (Some(dir), Some(f)) => {
                Some(CheckpointFile::for_transfer(dir, "upload", bucket, key, f))
            }
            _ => None,
        };
        let identity = match &file {
            Some(f) if checkpoint_file.is_some() => Some(identify(f).await?),
            _ => None,
        };
        // Stoppable too: reconciling a resume reads the file and lists the server's parts.
        let plan = stop_aware(
            &watcher,
            self.plan(
                bucket,
                key,
                size,
                &mut reader,
                options,
                checkpoint_file.as_ref(),
                identity.as_ref(),
                file.as_ref(),
            ),
        )
        .await?;
        let part_size = plan.part_size;
        let parts_total = part_count(size, part_size);
        let parts_reused = plan.done.len() as u32;
        let mut checkpoint = match (&checkpoint_file, &identity, &file) {
            (Some(_), Some(id), Some(f)) => Some(UploadCheckpoint {
                bucket: bucket.into(),
                key: key.into(),
                file: f.clone(),
                source: id.clone(),
                upload_id: plan.upload_id.clone(),
                part_size,
                parts: Vec::new(),
            }),
            _ => None,
        };
        let mut done = plan.done;
        if let (Some(cp), Some(file)) = (checkpoint.as_mut(), &checkpoint_file) {
            cp.parts = checkpoint_parts(&done);
            file.save(cp.clone()).await?;
        }
        let reporter = Arc::new(ProgressReporter::new(
            options.progress.clone(),
            options.progress_interval,
            Progress {
                bytes_done: done.values().map(|p| p.size).sum(),
                bytes_total: size,
                parts_done: parts_reused,
                parts_total,
            },
        ));
        reporter.report_now();

        let upload_id = plan.upload_id;
        let sent = self
            .send_parts(
                bucket,
                key,
                &upload_id,
                size,
                part_size,
                &mut reader,
                options,
                &watcher,
                &mut done,
                |done| {
                    let save = match (checkpoint.as_mut(), &checkpoint_file) {
                        (Some(cp), Some(file)) => {
                            cp.parts = checkpoint_parts(done);
                            Some(file.save(cp.clone()))
                        }
                        _ => None,
                    };
                    async move {
                        match save {
                            Some(save) => save.await,
                            None => Ok(()),
                        }
                    }
                },
                &reporter,
            )
            .await;
        if let Err(e) = sent {
            // Without a checkpoint or an upload id the caller knows, a paused upload could never
            // be resumed: it is cancelled instead of being left on the server.
            let resumable = checkpoint_file.is_some() || options.upload_id.is_some();
            if matches!(e, Error::Paused) && !resumable {
                tracing::info!(
                upload_id,
                "an upload without a checkpoint_dir or upload_id cannot resume: aborted on pause"
                );
                let _ = self
                    .stopped(bucket, key, &upload_id, Error::Cancelled, options, None)
                    .await;
                return Err(Error::Paused);
            }
            return Err(self
                .stopped(
                    bucket,
                    key,
                    &upload_id,
                    e,
                    options,
                    checkpoint_file.as_ref(),
                )
                .await
                .in_upload(&upload_id));
        }
        let parts: Vec<UploadedPart> = done.into_values().collect();
        let out = self
            .complete_multipart_upload(bucket, key, &upload_id, &parts, &CompleteOptions::default())
            .await
            .map_err(|e| e.in_upload(&upload_id))?;
        if let Some(file) = &checkpoint_file {
            file.remove().await?;
        }
        Ok(UploadOutput {
            etag: out.etag,
            crc64: out.crc64,
            size,
            parts: parts_total,
            parts_reused,
        })
    }

    /// What to do after the part loop stopped with `e`: on cancel, abort (unless kept) and forget
    /// the checkpoint; on pause or failure, keep everything for a resume.
    async fn stopped(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        e: Error,
        options: &UploadOptions,
        checkpoint: Option<&CheckpointFile<UploadCheckpoint>>,
    ) -> Error {
        if matches!(e, Error::Cancelled) {
            let keep = options.keep_upload_on_cancel;
            self.forget_upload(bucket, key, upload_id, checkpoint, keep, "cancelled")
                .await;
        }
        e
    }

    /// Decides the upload id, part size and finished parts: from a valid checkpoint reconciled
    /// with ListParts, from a given upload id, or a new upload.
    #[allow(clippy::too_many_arguments)]
    async fn plan(
        &self,
        bucket: &str,
        key: &str,
        size: u64,
        reader: &mut PartReader,
        options: &UploadOptions,
        checkpoint: Option<&CheckpointFile<UploadCheckpoint>>,
        identity: Option<&SourceIdentity>,
        file: Option<&PathBuf>,
    ) -> Result<Plan> {
        if let Some(checkpoint) = checkpoint {
            let path = checkpoint.path();
            match checkpoint.load().await? {
                None => {}
                Some(Err(problem)) => {
                    tracing::warn!(%problem, path = %path.display(), "ignoring the checkpoint; starting over");
                    checkpoint.remove().await?;
                }
                Some(Ok(cp)) => {
                    let ours = cp.bucket == bucket && cp.key == key && Some(&cp.file) == file;
                    let same = ours
                        && Some(&cp.source) == identity
                        && effective_part_size(size, cp.part_size) == cp.part_size;
                    if !ours {
                        // Another transfer's checkpoint (copied or edited): its upload is not
                        // ours to abort.
                        tracing::warn!(path = %path.display(), "the checkpoint belongs to another transfer; starting over");
                        checkpoint.remove().await?;
                    } else if !same {
                        tracing::warn!(upload_id = %cp.upload_id, "the source changed since the checkpoint; starting over");
                        self.forget_upload(
                            bucket,
                            key,
                            &cp.upload_id,
                            Some(checkpoint),
                            false,
                            "source changed",
                        )
                        .await;
                    } else {
                        match self
                            .reconcile(
                                bucket,
                                key,
                                &cp.upload_id,
                                cp.part_size,
                                size,
                                reader,
                                &cp.parts,
                            )
                            .await
                        {
                            Ok(done) => {
                                return Ok(Plan {
                                    upload_id: cp.upload_id,
                                    part_size: cp.part_size,
                                    done,
                                })
                            }
                            Err(e) if e.is_no_such_upload() => {
                                tracing::warn!(upload_id = %cp.upload_id, "the upload is gone on the server; starting over");
                                checkpoint.remove().await?;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
        }
        let part_size = effective_part_size(size, options.part_size);
        if let Some(id) = &options.upload_id {
            let done = self
                .reconcile(bucket, key, id, part_size, size, reader, &[])
                .await?;
            return Ok(Plan {
                upload_id: id.clone(),
                part_size,
                done,
            });
        }
        let upload_id = self
            .initiate_multipart_upload(bucket, key, &options.put)
            .await?;
        Ok(Plan {
            upload_id,
            part_size,
            done: BTreeMap::new(),
        })
    }

    /// Forgets an upload: aborts it on the server (unless `keep_on_server`) and removes its
    /// checkpoint. Failures are logged: the caller goes on either way.
    async fn forget_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        checkpoint: Option<&CheckpointFile<UploadCheckpoint>>,
        keep_on_server: bool,
        why: &str,
    ) {
        if !keep_on_server {
            self.abort_promptly(bucket, key, upload_id, why).await;
        }
        if let Some(checkpoint) = checkpoint {
            if let Err(e) = checkpoint.remove().await {
                tracing::warn!(%e, why, "could not remove the checkpoint");
            }
        }
    }

    /// Aborts an upload, waiting at most [`ABORT_WAIT`]: a slow or unreachable server must not
    /// hold up a cancel. A longer abort goes on in the background under the retry policy.
    async fn abort_promptly(&self, bucket: &str, key: &str, upload_id: &str, why: &str) {
        let abort = {
            let (client, bucket, key, id) = (
                self.clone(),
                bucket.to_owned(),
                key.to_owned(),
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

    /// The parts the server has that match the source: those the checkpoint recorded (same
    /// ETag), and any others whose bytes match the local part (CRC-64 or MD5), so nothing the
    /// server has is sent again.
    #[allow(clippy::too_many_arguments)]
    async fn reconcile(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_size: u64,
        size: u64,
        reader: &mut PartReader,
        recorded: &[CheckpointPart],
    ) -> Result<BTreeMap<u32, UploadedPart>> {
        let listed = self.list_parts(bucket, key, upload_id).await?;
        let total = part_count(size, part_size);
        let mut done = BTreeMap::new();
        for p in listed {
            if p.part_number < 1 || p.part_number > total {
                continue;
            }
            let (offset, len) = part_range(p.part_number, part_size, size);
            if p.size != len as u64 {
                continue;
            }
            let known = recorded
                .iter()
                .find(|r| r.number == p.part_number && r.etag == p.etag);
            let crc = match known {
                Some(r) => Some(r.crc64),
                None => {
                    if matches!(reader, PartReader::Stream(_)) {
                        continue;
                    }
                    let bytes = reader.read(offset, len).await?;
                    local_match(&p, &bytes)
                }
            };
            if let Some(crc) = crc {
                done.insert(
                    p.part_number,
                    UploadedPart {
                        part_number: p.part_number,
                        etag: p.etag,
                        crc64: Some(crc),
                        size: p.size,
                    },
                );
            }
        }
        Ok(done)
    }

    /// Sends every part not in `done`, `parallel` at a time, reading each just before it goes.
    #[allow(clippy::too_many_arguments)]
    async fn send_parts<Saved>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        size: u64,
        part_size: u64,
        reader: &mut PartReader,
        options: &UploadOptions,
        watcher: &Watcher,
        done: &mut BTreeMap<u32, UploadedPart>,
        mut on_part: impl FnMut(&BTreeMap<u32, UploadedPart>) -> Saved,
        reporter: &Arc<ProgressReporter>,
    ) -> Result<()>
    where
        Saved: std::future::Future<Output = Result<()>>,
    {
        let total = part_count(size, part_size);
        let todo: Vec<u32> = (1..=total).filter(|n| !done.contains_key(n)).collect();
        let mut todo = todo.into_iter();
        let mut in_flight = FuturesUnordered::new();
        let mut buffers = BufferPool::default();
        loop {
            while in_flight.len() < options.parallel {
                let Some(number) = todo.next() else { break };
                let (offset, len) = part_range(number, part_size, size);
                // Files and buffers are read inside the part's future, alongside other parts'
                // uploads; streams are read here, in order.
                let read = match reader.detached_read(offset, len, buffers.take()) {
                    Ok(read) => read,
                    Err(buf) => {
                        let body = stop_aware(watcher, reader.read_into(offset, len, buf)).await?;
                        Box::pin(std::future::ready(Ok(body)))
                    }
                };
                let progress = part_progress(reporter, number);
                in_flight.push(async move {
                    let body = match read.await {
                        Ok(body) => body,
                        Err(e) => return (Err(e), None),
                    };
                    let sent = self
                        .upload_part_reporting(
                            bucket,
                            key,
                            upload_id,
                            number,
                            body.clone(),
                            options.content_md5,
                            Some(progress),
                        )
                        .await;
                    (sent, Some(body))
                });
            }
            if in_flight.is_empty() {
                return Ok(());
            }
            if let Some((result, body)) = next_finished(watcher, &mut in_flight).await? {
                if let Some(body) = body {
                    buffers.give_back(body);
                }
                let part = result?;
                let (number, bytes) = (part.part_number, part.size);
                done.insert(number, part);
                on_part(done).await?;
                reporter.part_done(number, bytes);
            }
        }
    }

    /// A multipart upload of a stream of unknown length (not resumable).
    async fn stream_multipart(
        &self,
        bucket: &str,
        key: &str,
        first: Bytes,
        mut reader: PartReader,
        options: &UploadOptions,
        watcher: Watcher,
    ) -> Result<UploadOutput> {
        let part_size = first.len() as u64;
        let upload_id = self
            .initiate_multipart_upload(bucket, key, &options.put)
            .await?;
        let reporter = Arc::new(ProgressReporter::new(
            options.progress.clone(),
            options.progress_interval,
            Progress::default(),
        ));
        let mut parts = Vec::new();
        let mut next = Some(first);
        let mut number = 0u32;
        let mut in_flight = FuturesUnordered::new();
        let result: Result<()> = async {
            loop {
                while in_flight.len() < options.parallel {
                    let Some(body) = next.take().filter(|b: &Bytes| !b.is_empty()) else { break };
                    number += 1;
                    if number > MAX_PARTS {
                        return Err(Error::InvalidArgument(format!(
                            "a stream of unknown length needs more than {MAX_PARTS} parts of {part_size} bytes"
                        )));
                    }
                    in_flight.push(self.upload_part_reporting(
                        bucket,
                        key,
                        &upload_id,
                        number,
                        body,
                        options.content_md5,
                        Some(part_progress(&reporter, number)),
                    ));
                    let following = stop_aware(&watcher, reader.read(0, part_size as usize)).await?;
                    next = Some(following);
                }
                if in_flight.is_empty() {
                    return Ok(());
                }
                if let Some(r) = next_finished(&watcher, &mut in_flight).await? {
                    let part = r?;
                    reporter.part_done(part.part_number, part.size);
                    parts.push(part);
                }
            }
        }
        .await;
        if let Err(e) = result {
            // A stream read once cannot resume: whatever stopped it, the upload is aborted.
            let _ = self
                .stopped(bucket, key, &upload_id, Error::Cancelled, options, None)
                .await;
            return Err(e);
        }
        let size = parts.iter().map(|p| p.size).sum();
        let out = self
            .complete_multipart_upload(bucket, key, &upload_id, &parts, &CompleteOptions::default())
            .await
            .map_err(|e| e.in_upload(&upload_id))?;
        Ok(UploadOutput {
            etag: out.etag,
            crc64: out.crc64,
            size,
            parts: parts.len() as u32,
            parts_reused: 0,
        })
    }
}

/// Reports the bytes of part `number` sent so far to `reporter`.
fn part_progress(reporter: &Arc<ProgressReporter>, number: u32) -> BodyProgress {
    let reporter = reporter.clone();
    BodyProgress(Arc::new(move |sent| reporter.part_progress(number, sent)))
}

fn checkpoint_parts(done: &BTreeMap<u32, UploadedPart>) -> Vec<CheckpointPart> {
    done.values()
        .map(|p| CheckpointPart {
            number: p.part_number,
            etag: p.etag.clone(),
            crc64: p.crc64.unwrap_or(0),
            size: p.size,
        })
        .collect()
}

/// The CRC-64 of `bytes` if they are what the server's part holds (by CRC-64 when the server
/// reports it, else by the MD5 ETag).
fn local_match(server: &PartInfo, bytes: &[u8]) -> Option<u64> {
    let crc = crc64::checksum(bytes);
    let matches = match server.crc64 {
        Some(server_crc) => server_crc == crc,
        None => {
            let md5 = hex::encode_upper(Md5::digest(bytes));
            server.etag.trim_matches('"').eq_ignore_ascii_case(&md5)
        }
    };
    matches.then_some(crc)
}

fn stop_error(state: ControlState) -> Error {
    match state {
        ControlState::Paused => Error::Paused,
        _ => Error::Cancelled,
    }
}

/// The next of `in_flight` to finish, unless the transfer is stopped first.
pub(crate) async fn next_finished<S: futures_util::Stream + Unpin>(
    watcher: &Watcher,
    in_flight: &mut S,
) -> Result<Option<S::Item>> {
    stop_aware(watcher, async { Ok(in_flight.next().await) }).await
}

/// The longest a cancel waits for the server to abort the upload.
const ABORT_WAIT: Duration = Duration::from_millis(700);

/// Runs `f` unless the transfer is stopped first.
pub(crate) async fn stop_aware<T>(
    watcher: &Watcher,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let mut stop = watcher.clone();
    if stop.state() != ControlState::Running {
        return Err(stop_error(stop.state()));
    }
    tokio::select! {
        biased;
        state = stop.stopped() => Err(stop_error(state)),
        r = f => r,
    }
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
    fn ranges_cover_the_source() {
        let (size, ps) = (1_000_001u64, 250_000u64);
        let n = part_count(size, ps);
        assert_eq!(n, 5);
        let total: u64 = (1..=n).map(|i| part_range(i, ps, size).1 as u64).sum();
        assert_eq!(total, size);
        assert_eq!(part_range(5, ps, size), (1_000_000, 1));
    }

    #[test]
    fn server_parts_match_by_crc_or_md5() {
        let bytes = b"hello part";
        let mut p = PartInfo {
            part_number: 1,
            etag: String::new(),
            size: 10,
            last_modified: String::new(),
            crc64: Some(crc64::checksum(bytes)),
        };
        assert!(local_match(&p, bytes).is_some());
        p.crc64 = Some(1);
        assert!(local_match(&p, bytes).is_none());
        p.crc64 = None;
        p.etag = format!("\"{}\"", hex::encode_upper(Md5::digest(bytes)));
        assert!(local_match(&p, bytes).is_some());
    }
}
