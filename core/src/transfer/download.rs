//! Downloads to a file: ranged parallel parts written into a temporary file that is renamed when
//! complete, resumable through a checkpoint, the object pinned with `If-Match` so a changed object
//! restarts cleanly, and the whole-object CRC-64 verified.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};

use super::checkpoint::{now_ms, CheckpointFile};
use super::checkpoint_check::CheckedLoad;
use super::control::{next_finished, stop_aware, TransferHandle, Watcher};
use super::events::{observed, EventCallback};
use super::file_writer::{FileWriter, RangeWriter};
use super::off_thread::off_thread;
use super::progress::{Progress, ProgressCallback, ProgressReporter};
use crate::api::GetObjectOptions;
use crate::client::{Client, OssRequest};
use crate::crc64::{self, Crc64};
use crate::error::{Error, IntegrityCheck, Result};

/// How to download.
#[derive(Clone)]
pub struct DownloadOptions {
    /// Bytes per ranged request (default 8 MiB); objects no larger go in one request.
    pub part_size: u64,
    /// Ranges in flight at once (default 4).
    pub parallel: usize,
    /// Where checkpoints are kept; `None` disables resuming.
    pub checkpoint_dir: Option<PathBuf>,
    /// Receives progress.
    pub progress: Option<ProgressCallback>,
    /// Shortest interval between progress reports (default 200 ms).
    pub progress_interval: Duration,
    /// Told when a range finished, a request is retried, the credentials were refreshed.
    pub events: Option<EventCallback>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            parallel: 4,
            checkpoint_dir: None,
            progress: None,
            progress_interval: Duration::from_millis(200),
            events: None,
        }
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("part_size", &self.part_size)
            .field("parallel", &self.parallel)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .finish_non_exhaustive()
    }
}

/// The result of a download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadOutput {
    /// Bytes written.
    pub size: u64,
    /// The object's ETag.
    pub etag: String,
    /// The object's CRC-64 (verified against the bytes written).
    pub crc64: Option<u64>,
    /// Ranges requested in total.
    pub parts: u32,
    /// Ranges already on disk from an earlier run.
    pub parts_reused: u32,
}

/// The checkpoint of a download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCheckpoint {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The destination file.
    pub file: PathBuf,
    /// The object's ETag when the download started.
    pub etag: String,
    /// The object's size.
    pub size: u64,
    /// Bytes per range.
    pub part_size: u64,
    /// Ranges written: number → CRC-64 of its bytes.
    pub parts: BTreeMap<u32, u64>,
    /// When the download started, milliseconds since the Unix epoch (0 if not recorded).
    #[serde(default)]
    pub created_ms: u64,
    /// Why the last run of the download failed, if it did (a pause is not a failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

pub(crate) fn temp_path(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!(".{name}.ossdirect-download"))
}

/// Opens the temporary file and starts the thread that writes the ranges into it.
async fn open_for_writing(path: &Path, parallel: usize) -> Result<FileWriter> {
    let path = path.to_path_buf();
    let file = off_thread(move || std::fs::OpenOptions::new().write(true).open(path)).await?;
    FileWriter::start(file, parallel)
}

/// The ranges of `parts` whose bytes in `temp` still have the CRC-64 recorded for them: the
/// checkpoint is saved once a range's writes returned, not once they reached the disk, so a
/// power loss can leave a recorded range missing from the file. Such a range is fetched again.
async fn ranges_still_on_disk(
    temp: &Path,
    parts: BTreeMap<u32, u64>,
    part_size: u64,
    size: u64,
) -> Result<BTreeMap<u32, u64>> {
    let temp = temp.to_path_buf();
    off_thread(move || {
        use std::io::{Read, Seek};
        let mut file = File::open(&temp)?;
        let mut buf = vec![0u8; 1024 * 1024];
        let mut kept = BTreeMap::new();
        for (number, recorded) in parts {
            let (offset, len) = range(number, part_size, size);
            file.seek(std::io::SeekFrom::Start(offset))?;
            let mut crc = Crc64::new();
            let mut left = len;
            while left > 0 {
                let chunk = &mut buf[..left.min(1024 * 1024) as usize];
                file.read_exact(chunk)?;
                crc.update(chunk);
                left -= chunk.len() as u64;
            }
            if crc.finish() == recorded {
                kept.insert(number, recorded);
            } else {
                tracing::warn!(
                    range = number,
                    "a range recorded as downloaded is not on disk; fetching it again"
                );
            }
        }
        Ok::<_, std::io::Error>(kept)
    })
    .await
}

/// The error of a body that is not as long as its range.
fn length_mismatch(expected: u64, actual: u64) -> Error {
    Error::Integrity {
        check: IntegrityCheck::Length,
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

/// Creates the temporary file afresh: a new file, not the old one truncated, so that nothing
/// still writing into an earlier one can touch it.
async fn prepare_temp(path: &Path, size: u64) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    let file = tokio::fs::File::create(path).await?;
    file.set_len(size).await?;
    Ok(())
}

async fn finish(temp: &Path, file: &Path) -> Result<()> {
    tokio::fs::File::open(temp).await?.sync_all().await?;
    tokio::fs::rename(temp, file).await?;
    Ok(())
}

impl Client {
    /// Downloads `bucket/key` into `file` (written beside it, renamed when complete and verified).
    ///
    /// Fastest as a task on the runtime (`tokio::spawn`): `Runtime::block_on` polls its future on
    /// the calling thread, which the I/O driver then has to wake for every socket event.
    pub async fn download(
        &self,
        bucket: &str,
        key: &str,
        file: &Path,
        options: &DownloadOptions,
        handle: &TransferHandle,
    ) -> Result<DownloadOutput> {
        if options.parallel == 0 || options.part_size == 0 {
            return Err(Error::InvalidArgument(
                "parallel and part_size must be at least 1".into(),
            ));
        }
        let watcher = handle.watcher();
        let work = async {
            // One restart is allowed when the object changes under the download.
            for attempt in 0..2 {
                match self
                    .download_once(bucket, key, file, options, &watcher)
                    .await
                {
                    Err(e) if e.is_precondition_failed() && attempt == 0 => {
                        tracing::warn!("the object changed during the download; starting over");
                    }
                    other => return other,
                }
            }
            Err(Error::InvalidResponse(
                "the object kept changing during the download".into(),
            ))
        };
        observed(options.events.clone(), work).await
    }

    async fn download_once(
        &self,
        bucket: &str,
        key: &str,
        file: &Path,
        options: &DownloadOptions,
        watcher: &Watcher,
    ) -> Result<DownloadOutput> {
        let meta = stop_aware(
            watcher,
            self.head_object(bucket, key, &GetObjectOptions::default()),
        )
        .await?;
        let size = meta.content_length;
        let temp = temp_path(file);
        let checkpoint = options.checkpoint_dir.as_ref().map(|d| {
            CheckpointFile::<DownloadCheckpoint>::for_transfer(d, "download", bucket, key, file)
        });
        let part_size = options.part_size;
        let parts_total = size.div_ceil(part_size).max(1) as u32;

        let mut cp = DownloadCheckpoint {
            bucket: bucket.into(),
            key: key.into(),
            file: file.to_path_buf(),
            etag: meta.etag.clone(),
            size,
            part_size,
            parts: BTreeMap::new(),
            created_ms: now_ms(),
            last_error: None,
        };
        if let Some(checkpoint) = &checkpoint {
            match checkpoint.load().await?.checked() {
                Some(Ok(old))
                    if old.etag == cp.etag
                        && old.size == size
                        && old.part_size == part_size
                        && old.file == cp.file =>
                {
                    let temp_ok = tokio::fs::metadata(&temp)
                        .await
                        .is_ok_and(|m| m.len() == size);
                    if temp_ok {
                        cp.created_ms = old.created_ms;
                        let check = ranges_still_on_disk(&temp, old.parts, part_size, size);
                        cp.parts = stop_aware(watcher, check).await?;
                    }
                }
                Some(Ok(_)) => {
                    tracing::warn!("the object changed since the checkpoint; starting over")
                }
                Some(Err(problem)) => tracing::warn!(%problem, "ignoring the download checkpoint"),
                None => {}
            }
        }
        if cp.parts.is_empty() {
            prepare_temp(&temp, size).await?;
        }
        let parts_reused = cp.parts.len() as u32;
        let reporter = ProgressReporter::new(
            options.progress.clone(),
            options.progress_interval,
            Progress {
                bytes_done: cp.parts.keys().map(|n| range(*n, part_size, size).1).sum(),
                bytes_total: size,
                parts_done: parts_reused,
                parts_total,
            },
        );
        reporter.report_now();

        let job = RangesJob {
            client: self,
            bucket,
            key,
            etag: &meta.etag,
            options,
            watcher,
            reporter: &reporter,
        };
        let result = job.fetch_ranges(&temp, &mut cp, checkpoint.as_ref()).await;
        if let Err(e) = result {
            if e.is_precondition_failed() || matches!(e, Error::Cancelled) {
                let _ = tokio::fs::remove_file(&temp).await;
                if let Some(checkpoint) = &checkpoint {
                    checkpoint.remove().await?;
                }
            } else if let (Some(checkpoint), false) = (&checkpoint, e.is_stopped()) {
                // Kept for the registry: why the transfer is waiting for a resume.
                cp.last_error = Some(e.to_string());
                if let Err(save) = checkpoint.save(cp.clone()).await {
                    tracing::warn!(%save, "could not record the failure in the checkpoint");
                }
            }
            return Err(e);
        }
        let combined = cp.parts.iter().fold(0u64, |acc, (n, crc)| {
            crc64::combine(acc, *crc, range(*n, part_size, size).1)
        });
        if let Some(server) = meta.crc64 {
            if server != combined {
                let _ = tokio::fs::remove_file(&temp).await;
                if let Some(checkpoint) = &checkpoint {
                    checkpoint.remove().await?;
                }
                return Err(Error::Integrity {
                    check: IntegrityCheck::Crc64,
                    expected: server.to_string(),
                    actual: combined.to_string(),
                });
            }
        }
        finish(&temp, file).await?;
        if let Some(checkpoint) = &checkpoint {
            checkpoint.remove().await?;
        }
        Ok(DownloadOutput {
            size,
            etag: meta.etag,
            crc64: meta.crc64,
            parts: parts_total,
            parts_reused,
        })
    }
}

/// The ranges of one download attempt: what they fetch, and what reports and stops them.
struct RangesJob<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a str,
    /// The object's ETag: every range is pinned to it with `If-Match`.
    etag: &'a str,
    options: &'a DownloadOptions,
    watcher: &'a Watcher,
    reporter: &'a ProgressReporter,
}

impl RangesJob<'_> {
    /// Fetches the ranges `cp` lacks into `temp`, `parallel` at a time, recording each in the
    /// checkpoint as it completes.
    async fn fetch_ranges(
        &self,
        temp: &Path,
        cp: &mut DownloadCheckpoint,
        checkpoint: Option<&CheckpointFile<DownloadCheckpoint>>,
    ) -> Result<()> {
        let writer = open_for_writing(temp, self.options.parallel).await?;
        let (size, part_size) = (cp.size, cp.part_size);
        let total = size.div_ceil(part_size).max(1) as u32;
        let todo: Vec<u32> = (1..=total).filter(|n| !cp.parts.contains_key(n)).collect();
        // The ranges in flight live inside this block: they are gone before the writer closes.
        let result = async {
            let mut todo = todo.into_iter();
            let mut in_flight = FuturesUnordered::new();
            loop {
                while in_flight.len() < self.options.parallel {
                    let Some(number) = todo.next() else { break };
                    let range = range(number, part_size, size);
                    in_flight.push(self.fetch_range(&writer, number, range));
                }
                if in_flight.is_empty() {
                    return Ok(());
                }
                if let Some(r) = next_finished(self.watcher, &mut in_flight).await? {
                    let (number, crc, len) = r?;
                    cp.parts.insert(number, crc);
                    if let Some(checkpoint) = checkpoint {
                        checkpoint.save(cp.clone()).await?;
                    }
                    self.reporter.part_done(number, len);
                }
            }
        }
        .await;
        writer.close().await;
        result
    }

    /// Fetches range `number` (`(offset, len)`, pinned to the ETag) into the file at its offset;
    /// returns its number, CRC-64 and length. A body that breaks is continued from the first
    /// byte not yet received, under the client's retry policy.
    async fn fetch_range(
        &self,
        writer: &FileWriter,
        number: u32,
        (offset, len): (u64, u64),
    ) -> Result<(u32, u64, u64)> {
        // One writer for every attempt: what an attempt received stays received.
        let mut writer = writer.range(offset);
        let mut retries = self.client.retries();
        loop {
            let from = offset + writer.received();
            if from == offset + len {
                break;
            }
            let options = GetObjectOptions {
                range: Some((from, Some(offset + len - 1))),
                if_match: Some(self.etag.to_owned()),
                ..Default::default()
            };
            let req = options.get_request(self.bucket, self.key)?;
            match self
                .client
                .stream_range(&req, &mut writer, len, number, self.reporter)
                .await
            {
                Ok(()) => break,
                Err(error) => retries.after(error).await?,
            }
        }
        let crc = writer.finish().await?;
        Ok((number, crc, len))
    }
}

impl Client {
    /// One attempt at (the rest of) a range: streams the body through `writer`, reporting
    /// progress per batch, until the range's `len` bytes have been received.
    async fn stream_range(
        &self,
        req: &OssRequest,
        writer: &mut RangeWriter,
        len: u64,
        number: u32,
        reporter: &ProgressReporter,
    ) -> Result<()> {
        reporter.part_progress(number, writer.handed_over());
        let mut response = self.send_attempt(req).await?;
        while let Some(piece) = response.chunk().await? {
            let received = writer.received() + piece.len() as u64;
            if received > len {
                return Err(length_mismatch(len, received));
            }
            if writer.push(piece).await? {
                reporter.part_progress(number, writer.handed_over());
            }
        }
        if writer.received() != len {
            return Err(length_mismatch(len, writer.received()));
        }
        Ok(())
    }
}

/// Offset and length of range `number` (1-based).
fn range(number: u32, part_size: u64, size: u64) -> (u64, u64) {
    let offset = (number as u64 - 1) * part_size;
    (offset, part_size.min(size.saturating_sub(offset)))
}
