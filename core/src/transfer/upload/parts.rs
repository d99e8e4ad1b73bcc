//! Sending the parts of a multipart upload, `parallel` at a time, each read from the source just
//! before it goes, then completing the upload.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;

use super::super::checkpoint::CheckpointFile;
use super::super::control::{next_finished, stop_aware};
use super::super::progress::{Progress, ProgressReporter};
use super::super::source::{BufferPool, PartReader};
use super::job::{Multipart, Origin, UploadJob};
use super::plan::Plan;
use super::reconcile::checkpoint_parts;
use super::{part_count, part_progress, part_range, UploadCheckpoint, UploadOutput};
use crate::api::{CompleteOptions, PartBody, PartTarget, UploadedPart, MAX_PARTS};
use crate::error::{Error, Result};

/// A part being sent: its result, and its buffer to reuse (parts sent as bytes).
type PartFuture<'a> = BoxFuture<'a, (Result<UploadedPart>, Option<Bytes>)>;

/// The checkpoint of a running upload, saved after every part.
struct Record {
    file: CheckpointFile<UploadCheckpoint>,
    checkpoint: UploadCheckpoint,
}

impl Record {
    /// Saves the checkpoint with the parts of `plan` done.
    async fn save(&mut self, plan: &Plan) -> Result<()> {
        self.checkpoint.parts = checkpoint_parts(&plan.done);
        self.file.save(self.checkpoint.clone()).await
    }
}

/// Saves `record`, if there is one.
async fn save(record: &mut Option<Record>, plan: &Plan) -> Result<()> {
    match record {
        Some(record) => record.save(plan).await,
        None => Ok(()),
    }
}

impl Multipart<'_> {
    /// Plans the upload, sends the parts it lacks and completes it.
    pub(super) async fn run(mut self) -> Result<UploadOutput> {
        let job = self.job;
        // Stoppable too: reconciling a resume reads the file and lists the server's parts.
        let mut plan = stop_aware(&job.watcher, self.plan()).await?;
        let parts_total = part_count(self.size, plan.part_size);
        let parts_reused = plan.done.len() as u32;
        let mut record = self.record(&plan);
        save(&mut record, &plan).await?;
        let reporter = Arc::new(ProgressReporter::new(
            job.options.progress.clone(),
            job.options.progress_interval,
            Progress {
                bytes_done: plan.done.values().map(|p| p.size).sum(),
                bytes_total: self.size,
                parts_done: parts_reused,
                parts_total,
            },
        ));
        reporter.report_now();

        if let Err(e) = self.send_parts(&mut plan, &mut record, &reporter).await {
            if let (Some(record), false) = (&mut record, e.is_stopped()) {
                // Kept for the registry: why the transfer is waiting for a resume.
                record.checkpoint.last_error = Some(e.to_string());
                if let Err(save) = record.save(&plan).await {
                    tracing::warn!(%save, "could not record the failure in the checkpoint");
                }
            }
            return Err(self.after_stop(&plan.upload_id, e).await);
        }
        let upload_id = plan.upload_id;
        let parts: Vec<UploadedPart> = plan.done.into_values().collect();
        let out = job
            .client
            .complete_multipart_upload(
                job.bucket,
                job.key,
                &upload_id,
                &parts,
                &CompleteOptions::default(),
            )
            .await
            .map_err(|e| e.in_upload(&upload_id))?;
        if let Some(checkpoint) = &self.checkpoint {
            checkpoint.remove().await?;
        }
        Ok(UploadOutput {
            etag: out.etag,
            crc64: out.crc64,
            size: self.size,
            parts: parts_total,
            parts_reused,
        })
    }

    /// The checkpoint to keep for `plan`, when the upload has one.
    fn record(&self, plan: &Plan) -> Option<Record> {
        let (Some(file), Some(identity), Some(origin)) =
            (&self.checkpoint, &self.identity, &self.origin)
        else {
            return None;
        };
        let (local, app_source) = match origin {
            Origin::File(path) => (path.clone(), None),
            Origin::App(source) => (PathBuf::new(), Some(source.clone())),
        };
        Some(Record {
            file: file.clone(),
            checkpoint: UploadCheckpoint {
                bucket: self.job.bucket.into(),
                key: self.job.key.into(),
                file: local,
                source: identity.clone(),
                app_source,
                created_ms: plan.created_ms,
                last_error: None,
                upload_id: plan.upload_id.clone(),
                part_size: plan.part_size,
                parts: Vec::new(),
            },
        })
    }

    /// The error of an upload whose parts stopped with `e`. A paused upload that could never be
    /// resumed (no checkpoint, no upload id the caller knows) is aborted rather than left on the
    /// server; a failure names the upload kept for a resume. (`&mut self`: a shared borrow held
    /// across an await would need the source reader to be `Sync`, and the upload future `Send`.)
    async fn after_stop(&mut self, upload_id: &str, e: Error) -> Error {
        let job = self.job;
        if matches!(e, Error::Paused) && !self.resumable() {
            tracing::info!(
                upload_id,
                "an upload without a checkpoint_dir or upload_id cannot resume: aborted on pause"
            );
            let _ = job.stopped(upload_id, Error::Cancelled, None).await;
            return Error::Paused;
        }
        job.stopped(upload_id, e, self.checkpoint.as_ref())
            .await
            .in_upload(upload_id)
    }

    /// Sends every part not in `plan.done`, `parallel` at a time, reading each just before it
    /// goes, and records each finished part.
    async fn send_parts(
        &mut self,
        plan: &mut Plan,
        record: &mut Option<Record>,
        reporter: &Arc<ProgressReporter>,
    ) -> Result<()> {
        let job = self.job;
        let (size, part_size) = (self.size, plan.part_size);
        let total = part_count(size, part_size);
        let todo: Vec<u32> = (1..=total).filter(|n| !plan.done.contains_key(n)).collect();
        let mut todo = todo.into_iter();
        let upload_id = plan.upload_id.clone();
        let mut in_flight: FuturesUnordered<PartFuture<'_>> = FuturesUnordered::new();
        let mut buffers = BufferPool::default();
        let streamed = self.reader.section_source().map(Arc::new);
        loop {
            while in_flight.len() < job.options.parallel {
                let Some(number) = todo.next() else { break };
                let (offset, len) = part_range(number, part_size, size);
                let progress = part_progress(reporter, number);
                let target = PartTarget {
                    bucket: job.bucket,
                    key: job.key,
                    upload_id: upload_id.as_str(),
                    part_number: number,
                };
                // Files and app readers: the part streams from its section, a few chunks in
                // memory whatever the part size, and a retry reads the section again.
                if let Some(source) = streamed.clone() {
                    in_flight.push(Box::pin(async move {
                        let sent = async {
                            let section = source.section(offset, len as u64).await?;
                            let with_md5 = job.options.content_md5;
                            job.client
                                .upload_part_section(target, &section, with_md5, Some(progress))
                                .await
                        };
                        (sent.await, None)
                    }));
                    continue;
                }
                // Buffers are sliced; streams are read here, in order.
                let read = match self.reader.detached_read(offset, len, buffers.take()) {
                    Ok(read) => read,
                    Err(buf) => {
                        let read = self.reader.read_into(offset, len, buf);
                        let body = stop_aware(&job.watcher, read).await?;
                        Box::pin(std::future::ready(Ok(body)))
                    }
                };
                in_flight.push(Box::pin(async move {
                    let body = match read.await {
                        Ok(body) => body,
                        Err(e) => return (Err(e), None),
                    };
                    let part = PartBody {
                        bytes: body.clone(),
                        with_md5: job.options.content_md5,
                        progress: Some(progress),
                    };
                    let sent = job
                        .client
                        .upload_part_reporting(job.bucket, job.key, target.upload_id, number, part)
                        .await;
                    (sent, Some(body))
                }));
            }
            if in_flight.is_empty() {
                return Ok(());
            }
            if let Some((result, body)) = next_finished(&job.watcher, &mut in_flight).await? {
                if let Some(body) = body {
                    buffers.give_back(body);
                }
                let part = result?;
                let (number, bytes) = (part.part_number, part.size);
                plan.done.insert(number, part);
                save(record, plan).await?;
                reporter.part_done(number, bytes);
            }
        }
    }
}

impl UploadJob<'_> {
    /// A multipart upload of a stream of unknown length, `first` already read (not resumable:
    /// whatever stops it, the upload is aborted).
    pub(super) async fn stream_multipart(
        &self,
        first: Bytes,
        mut reader: PartReader,
    ) -> Result<UploadOutput> {
        let part_size = first.len() as u64;
        let upload_id = self
            .client
            .initiate_multipart_upload(self.bucket, self.key, &self.options.put)
            .await?;
        let reporter = Arc::new(ProgressReporter::new(
            self.options.progress.clone(),
            self.options.progress_interval,
            Progress::default(),
        ));
        let mut parts = Vec::new();
        let mut next = Some(first);
        let mut number = 0u32;
        let mut in_flight = FuturesUnordered::new();
        let result: Result<()> = async {
            loop {
                while in_flight.len() < self.options.parallel {
                    let Some(body) = next.take().filter(|b: &Bytes| !b.is_empty()) else { break };
                    number += 1;
                    if number > MAX_PARTS {
                        return Err(Error::InvalidArgument(format!(
                            "a stream of unknown length needs more than {MAX_PARTS} parts of {part_size} bytes"
                        )));
                    }
                    let part = PartBody {
                        bytes: body,
                        with_md5: self.options.content_md5,
                        progress: Some(part_progress(&reporter, number)),
                    };
                    in_flight.push(self.client.upload_part_reporting(
                        self.bucket,
                        self.key,
                        &upload_id,
                        number,
                        part,
                    ));
                    let following = stop_aware(&self.watcher, reader.read(0, part_size as usize)).await?;
                    next = Some(following);
                }
                if in_flight.is_empty() {
                    return Ok(());
                }
                if let Some(r) = next_finished(&self.watcher, &mut in_flight).await? {
                    let part = r?;
                    reporter.part_done(part.part_number, part.size);
                    parts.push(part);
                }
            }
        }
        .await;
        if let Err(e) = result {
            // A stream read once cannot resume: whatever stopped it, the upload is aborted.
            let _ = self.stopped(&upload_id, Error::Cancelled, None).await;
            return Err(e);
        }
        let size = parts.iter().map(|p| p.size).sum();
        let out = self
            .client
            .complete_multipart_upload(
                self.bucket,
                self.key,
                &upload_id,
                &parts,
                &CompleteOptions::default(),
            )
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
