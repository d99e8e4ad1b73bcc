//! Transfers as tasks: started at once on a runtime, paused, resumed and cancelled from any
//! thread (also before the work has started), observed through a status channel, awaited by
//! anyone. A task belongs to whoever holds a [`TransferTask`] clone; dropping them all does not
//! stop a running task, but a paused or failed one that nobody can resume any more ends then,
//! releasing its source (a descriptor, an app reader); its checkpoint stays for a later run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::runtime::Handle;
use tokio::sync::{broadcast, watch};

use super::checkpoint;
use super::control::TransferHandle;
use super::events::{EventCallback, TransferEvent};
use super::progress::Progress;
use super::registry::TransferKind;
use super::{DownloadOptions, DownloadOutput, UploadOptions, UploadOutput, UploadSource};
use crate::client::Client;
use crate::error::{Error, Result};

/// What a task moves (built once per transfer, so the variants' sizes do not matter).
#[allow(clippy::large_enum_variant)]
pub enum TransferJob {
    /// An upload; a stream source can be read once, so such a task cannot resume after a pause.
    Upload {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// What to upload.
        source: UploadSource,
        /// How.
        options: UploadOptions,
    },
    /// A download into a file.
    Download {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The file to write.
        path: PathBuf,
        /// How.
        options: DownloadOptions,
    },
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferState {
    /// Started, not yet running.
    Queued,
    /// Moving bytes.
    Running,
    /// Stopped by `pause`; `resume` continues from the checkpoint.
    Paused,
    /// Finished; the output is in the status.
    Completed,
    /// Ended with an error; `resume` tries again from the checkpoint.
    Failed,
    /// Cancelled: the multipart upload aborted, checkpoint and partial file removed.
    Cancelled,
}

impl TransferState {
    /// Whether nothing more will happen unless the app resumes it (`Failed`) or never
    /// (`Completed`, `Cancelled`).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// What a finished task produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferOutput {
    /// An upload's result.
    Upload(UploadOutput),
    /// A download's result.
    Download(DownloadOutput),
}

/// A snapshot of a task.
#[derive(Clone, Debug)]
pub struct TransferStatus {
    /// The state.
    pub state: TransferState,
    /// Bytes and parts done.
    pub progress: Progress,
    /// The error of a `Failed` task.
    pub error: Option<Arc<Error>>,
    /// The output of a `Completed` task.
    pub output: Option<TransferOutput>,
}

/// Events kept for a subscriber that has not read them yet.
const EVENT_BACKLOG: usize = 256;

/// What the app asked for last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wish {
    Run,
    Pause,
    Cancel,
}

struct Inner {
    id: String,
    kind: TransferKind,
    client: Client,
    /// `None` once the task completed or was cancelled: its source is released then.
    job: Mutex<Option<TransferJob>>,
    stream_taken: AtomicBool,
    checkpoint: Option<PathBuf>,
    handle: TransferHandle,
    wish: watch::Sender<Wish>,
    status: watch::Sender<TransferStatus>,
    /// Part finished, retrying, credentials refreshed: to every subscriber, in order.
    events: broadcast::Sender<TransferEvent>,
}

/// A running (or finished) transfer. Cheap to clone; every clone controls the same task.
#[derive(Clone)]
pub struct TransferTask {
    inner: Arc<Inner>,
    /// Dropped with the last clone: the task then knows that nobody can resume it.
    _held: Arc<watch::Sender<()>>,
}

impl std::fmt::Debug for TransferTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferTask")
            .field("id", &self.inner.id)
            .field("state", &self.status().state)
            .finish_non_exhaustive()
    }
}

impl TransferTask {
    /// Starts `job` as a task on `runtime`. Its id is its checkpoint's (stable across runs) when
    /// it has one, otherwise `id_hint`.
    pub fn spawn(client: Client, job: TransferJob, id_hint: String, runtime: &Handle) -> Self {
        let kind = job.kind();
        let checkpoint = job.checkpoint_path();
        let id = job.checkpoint_id().unwrap_or(id_hint);
        let (status, _) = watch::channel(TransferStatus {
            state: TransferState::Queued,
            progress: Progress::default(),
            error: None,
            output: None,
        });
        let (wish, _) = watch::channel(Wish::Run);
        let (held, held_rx) = watch::channel(());
        let task = Self {
            _held: Arc::new(held),
            inner: Arc::new(Inner {
                id,
                kind,
                client,
                job: Mutex::new(Some(job)),
                stream_taken: AtomicBool::new(false),
                checkpoint,
                handle: TransferHandle::new(),
                wish,
                status,
                events: broadcast::channel(EVENT_BACKLOG).0,
            }),
        };
        runtime.spawn(drive(task.inner.clone(), held_rx));
        task
    }

    /// The task's id (its checkpoint's when it has one).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Upload or download.
    pub fn kind(&self) -> TransferKind {
        self.inner.kind
    }

    /// Stops moving bytes, keeping the checkpoint (returns at once; the state becomes `Paused`
    /// within a second).
    pub fn pause(&self) {
        if self.set_wish(Wish::Pause) {
            self.inner.handle.pause();
        }
    }

    /// Continues a paused or failed task from its checkpoint.
    pub fn resume(&self) {
        self.set_wish(Wish::Run);
    }

    /// Cancels: aborts the multipart upload, removes the checkpoint and any partial download.
    /// Holds even when called before the work started.
    pub fn cancel(&self) {
        if self.set_wish(Wish::Cancel) {
            self.inner.handle.cancel();
        }
    }

    /// The current status.
    pub fn status(&self) -> TransferStatus {
        self.inner.status.borrow().clone()
    }

    /// A receiver that sees every status change (coalesced).
    pub fn subscribe(&self) -> watch::Receiver<TransferStatus> {
        self.inner.status.subscribe()
    }

    /// A receiver of the task's [`TransferEvent`]s from now on (a receiver that falls more than
    /// 256 events behind misses the oldest).
    pub fn subscribe_events(&self) -> broadcast::Receiver<TransferEvent> {
        self.inner.events.subscribe()
    }

    /// Waits until the task completes, fails or is cancelled.
    pub async fn result(&self) -> std::result::Result<TransferOutput, Arc<Error>> {
        let mut rx = self.subscribe();
        let status = rx
            .wait_for(|s| s.state.is_terminal())
            .await
            .map(|s| s.clone())
            .map_err(|_| Arc::new(Error::Cancelled))?;
        match (status.state, status.output, status.error) {
            (TransferState::Completed, Some(output), _) => Ok(output),
            (TransferState::Failed, _, Some(error)) => Err(error),
            _ => Err(Arc::new(Error::Cancelled)),
        }
    }

    /// Records the app's wish unless the task already ended; says whether it did.
    fn set_wish(&self, wish: Wish) -> bool {
        let ended = matches!(
            self.inner.status.borrow().state,
            TransferState::Completed | TransferState::Cancelled
        );
        if !ended {
            self.inner.wish.send_if_modified(|w| {
                let changed = *w != wish && *w != Wish::Cancel;
                if changed {
                    *w = wish;
                }
                changed
            });
        }
        !ended
    }
}

/// Drops the job of a task that ended for good, closing its source (a descriptor, an app reader)
/// even while handles to the task live on.
fn release_job(inner: &Inner) {
    inner.job.lock().unwrap_or_else(|p| p.into_inner()).take();
}

fn set_state(inner: &Inner, state: TransferState, error: Option<Arc<Error>>) {
    inner.status.send_modify(|s| {
        s.state = state;
        s.error = error;
    });
}

/// Waits for the app's next wish; `false` once no [`TransferTask`] is left to make one.
async fn next_wish(wish: &mut watch::Receiver<Wish>, held: &mut watch::Receiver<()>) -> bool {
    tokio::select! {
        changed = wish.changed() => changed.is_ok(),
        // Never sent to: it resolves only when the last handle is dropped.
        _ = held.changed() => false,
    }
}

/// The task's life: run, wait while paused or failed, run again on resume, clean up on cancel.
/// A paused or failed task ends once nobody holds a handle to resume it.
async fn drive(inner: Arc<Inner>, mut held: watch::Receiver<()>) {
    let mut wish = inner.wish.subscribe();
    loop {
        let wanted = *wish.borrow_and_update();
        match wanted {
            Wish::Cancel => {
                let error = discard(&inner).await.err().map(Arc::new);
                release_job(&inner);
                set_state(&inner, TransferState::Cancelled, error);
                return;
            }
            Wish::Pause => {
                if inner.status.borrow().state != TransferState::Failed {
                    set_state(&inner, TransferState::Paused, None);
                }
                if !next_wish(&mut wish, &mut held).await {
                    return;
                }
                continue;
            }
            Wish::Run => {}
        }
        inner.handle.reset();
        set_state(&inner, TransferState::Running, None);
        match run_once(&inner).await {
            Ok(output) => {
                release_job(&inner);
                inner.status.send_modify(|s| {
                    s.state = TransferState::Completed;
                    s.output = Some(output);
                    s.error = None;
                });
                return;
            }
            Err(Error::Paused) | Err(Error::Cancelled) => continue,
            Err(e) => {
                set_state(&inner, TransferState::Failed, Some(Arc::new(e)));
                // A resume (or a cancel) wakes it; a failure stands until then.
                let _ = inner.wish.send_replace(Wish::Pause);
                wish.borrow_and_update();
                if !next_wish(&mut wish, &mut held).await {
                    return;
                }
            }
        }
    }
}

/// One run of the job from its checkpoint.
async fn run_once(inner: &Inner) -> Result<TransferOutput> {
    let status = inner.status.clone();
    let record: super::ProgressCallback =
        Arc::new(move |p: Progress| status.send_modify(|s| s.progress = p));
    let events = inner.events.clone();
    let publish: EventCallback = Arc::new(move |e: TransferEvent| {
        let _ = events.send(e);
    });
    let job = {
        let mut job = inner.job.lock().unwrap_or_else(|p| p.into_inner());
        job.as_mut()
            .ok_or_else(|| Error::InvalidArgument("the transfer has ended".into()))?
            .reopened(&inner.stream_taken)?
    };
    match job {
        TransferJob::Upload {
            bucket,
            key,
            source,
            mut options,
        } => {
            options.progress = Some(chain(record, options.progress.take()));
            options.events = Some(chain(publish, options.events.take()));
            let out = inner
                .client
                .upload(&bucket, &key, source, &options, &inner.handle)
                .await?;
            Ok(TransferOutput::Upload(out))
        }
        TransferJob::Download {
            bucket,
            key,
            path,
            mut options,
        } => {
            options.progress = Some(chain(record, options.progress.take()));
            options.events = Some(chain(publish, options.events.take()));
            let out = inner
                .client
                .download(&bucket, &key, &path, &options, &inner.handle)
                .await?;
            Ok(TransferOutput::Download(out))
        }
    }
}

/// A callback calling `first`, then the caller's own one, if any (progress and events alike).
fn chain<T: Clone + 'static>(
    first: Arc<dyn Fn(T) + Send + Sync>,
    then: Option<Arc<dyn Fn(T) + Send + Sync>>,
) -> Arc<dyn Fn(T) + Send + Sync> {
    match then {
        None => first,
        Some(then) => Arc::new(move |value: T| {
            first(value.clone());
            then(value);
        }),
    }
}

/// Cancels what a run left behind: the multipart upload and checkpoint (or partial download).
async fn discard(inner: &Inner) -> Result<()> {
    let Some(path) = &inner.checkpoint else {
        return Ok(());
    };
    let (Some(dir), Some(id)) = (path.parent(), path.file_stem()) else {
        return Ok(());
    };
    inner
        .client
        .discard_transfer(dir, &id.to_string_lossy())
        .await
}

impl TransferJob {
    /// Upload or download.
    pub fn kind(&self) -> TransferKind {
        match self {
            Self::Upload { .. } => TransferKind::Upload,
            Self::Download { .. } => TransferKind::Download,
        }
    }

    /// Where its checkpoint is kept, if it is resumable (a file upload or a download with a
    /// `checkpoint_dir`).
    pub fn checkpoint_path(&self) -> Option<PathBuf> {
        let (bucket, key, local, dir) = match self {
            Self::Upload {
                bucket,
                key,
                source: UploadSource::File(file),
                options,
            } => (bucket, key, file.clone(), options.checkpoint_dir.as_ref()?),
            Self::Upload {
                bucket,
                key,
                source: UploadSource::At { identity, .. },
                options,
            } => (
                bucket,
                key,
                identity.checkpoint_name(),
                options.checkpoint_dir.as_ref()?,
            ),
            Self::Upload { .. } => return None,
            Self::Download {
                bucket,
                key,
                path,
                options,
            } => (bucket, key, path.clone(), options.checkpoint_dir.as_ref()?),
        };
        Some(checkpoint::path_for(
            dir,
            self.kind().prefix(),
            bucket,
            key,
            &local,
        ))
    }

    /// Its id in the registry (the checkpoint's name), if it is resumable.
    pub fn checkpoint_id(&self) -> Option<String> {
        let path = self.checkpoint_path()?;
        Some(path.file_stem()?.to_string_lossy().into_owned())
    }

    /// The job again for another run: files reopen, buffers are shared, a stream can be read once.
    fn reopened(&mut self, stream_taken: &AtomicBool) -> Result<Self> {
        Ok(match self {
            Self::Upload {
                bucket,
                key,
                source,
                options,
            } => Self::Upload {
                bucket: bucket.clone(),
                key: key.clone(),
                source: reopen(source, stream_taken)?,
                options: options.clone(),
            },
            Self::Download {
                bucket,
                key,
                path,
                options,
            } => Self::Download {
                bucket: bucket.clone(),
                key: key.clone(),
                path: path.clone(),
                options: options.clone(),
            },
        })
    }
}

/// A source for the next run; a stream is handed over once (`taken` remembers it was).
fn reopen(source: &mut UploadSource, taken: &AtomicBool) -> Result<UploadSource> {
    if taken.load(Ordering::SeqCst) {
        return Err(Error::InvalidArgument(
            "a stream source is read once; this upload cannot resume".into(),
        ));
    }
    Ok(match source {
        UploadSource::File(path) => UploadSource::File(path.clone()),
        UploadSource::Bytes(bytes) => UploadSource::Bytes(bytes.clone()),
        UploadSource::At {
            reader,
            size,
            identity,
        } => UploadSource::At {
            reader: reader.clone(),
            size: *size,
            identity: identity.clone(),
        },
        UploadSource::Reader { .. } => {
            taken.store(true, Ordering::SeqCst);
            std::mem::replace(source, UploadSource::Bytes(bytes::Bytes::new()))
        }
    })
}
