//! Transfers as objects the app holds: started at once on the SDK's runtime, controlled from any
//! thread, observed through an optional listener, awaited by anyone. A transfer belongs to its
//! client: freeing the `Transfer` object does not stop it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ossdirect::transfer::{self as core_transfer, TransferStatus, TransferTask};

use crate::error::OssError;
use crate::live::LiveToken;
use crate::objects::PutOptions;
use crate::source::UploadSource;

/// Upload or download.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TransferKind {
    /// Device to OSS.
    Upload,
    /// OSS to device.
    Download,
}

impl From<core_transfer::TransferKind> for TransferKind {
    fn from(k: core_transfer::TransferKind) -> Self {
        match k {
            core_transfer::TransferKind::Upload => Self::Upload,
            core_transfer::TransferKind::Download => Self::Download,
        }
    }
}

/// Where a transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TransferState {
    /// Started, not yet running.
    Queued,
    /// Moving bytes.
    Running,
    /// Paused; `resume` continues from the checkpoint.
    Paused,
    /// Finished.
    Completed,
    /// Ended with an error (in the snapshot); `resume` tries again from the checkpoint.
    Failed,
    /// Cancelled: nothing is left on the server or on disk.
    Cancelled,
}

impl From<core_transfer::TransferState> for TransferState {
    fn from(s: core_transfer::TransferState) -> Self {
        use core_transfer::TransferState as S;
        match s {
            S::Queued => Self::Queued,
            S::Running => Self::Running,
            S::Paused => Self::Paused,
            S::Completed => Self::Completed,
            S::Failed => Self::Failed,
            S::Cancelled => Self::Cancelled,
        }
    }
}

/// A transfer at one moment.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransferSnapshot {
    /// The state.
    pub state: TransferState,
    /// Bytes transferred (including parts in flight).
    pub bytes_done: u64,
    /// Bytes in the whole transfer (0 until known).
    pub bytes_total: u64,
    /// Parts finished.
    pub parts_done: u32,
    /// Parts in all.
    pub parts_total: u32,
    /// The error of a `Failed` transfer.
    pub error: Option<OssError>,
}

impl From<&TransferStatus> for TransferSnapshot {
    fn from(s: &TransferStatus) -> Self {
        Self {
            state: s.state.into(),
            bytes_done: s.progress.bytes_done,
            bytes_total: s.progress.bytes_total,
            parts_done: s.progress.parts_done,
            parts_total: s.progress.parts_total,
            error: s.error.clone().map(OssError::from),
        }
    }
}

/// What a finished transfer produced.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransferResult {
    /// Upload or download.
    pub kind: TransferKind,
    /// The object's ETag.
    pub etag: String,
    /// The object's CRC-64 (verified).
    pub crc64: Option<u64>,
    /// Bytes in the object.
    pub size: u64,
    /// Parts (1 for a single request).
    pub parts: u32,
    /// Parts a previous run had already transferred.
    pub parts_reused: u32,
}

impl From<core_transfer::TransferOutput> for TransferResult {
    fn from(o: core_transfer::TransferOutput) -> Self {
        match o {
            core_transfer::TransferOutput::Upload(u) => Self {
                kind: TransferKind::Upload,
                etag: u.etag,
                crc64: u.crc64,
                size: u.size,
                parts: u.parts,
                parts_reused: u.parts_reused,
            },
            core_transfer::TransferOutput::Download(d) => Self {
                kind: TransferKind::Download,
                etag: d.etag,
                crc64: d.crc64,
                size: d.size,
                parts: d.parts,
                parts_reused: d.parts_reused,
            },
        }
    }
}

/// How a transfer runs. The defaults are the benchmark's best within a 64 MiB budget.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransferOptions {
    /// Part size in bytes (grows so no upload needs more than 10,000 parts).
    #[uniffi(default = 8388608)]
    pub part_size: u64,
    /// Parts in flight at once.
    #[uniffi(default = 4)]
    pub parallel: u32,
    /// Uploads up to this size go in one PutObject.
    #[uniffi(default = 8388608)]
    pub multipart_threshold: u64,
    /// Shortest interval between progress reports, in milliseconds.
    #[uniffi(default = 200)]
    pub progress_interval_ms: u64,
    /// Send `Content-MD5` with every part.
    #[uniffi(default = false)]
    pub content_md5: bool,
    /// On cancel, keep the multipart upload on the server instead of aborting it.
    #[uniffi(default = false)]
    pub keep_upload_on_cancel: bool,
}

impl Default for TransferOptions {
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            parallel: 4,
            multipart_threshold: 8 * 1024 * 1024,
            progress_interval_ms: 200,
            content_md5: false,
            keep_upload_on_cancel: false,
        }
    }
}

/// An upload to start.
#[derive(Clone, Debug, uniffi::Record)]
pub struct UploadRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// What to upload.
    pub source: UploadSource,
    /// Object headers.
    #[uniffi(default = None)]
    pub put: Option<PutOptions>,
    /// How to run it.
    #[uniffi(default = None)]
    pub options: Option<TransferOptions>,
}

/// A download to start.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DownloadRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The file to write (written beside it, renamed when complete and verified).
    pub path: String,
    /// How to run it.
    #[uniffi(default = None)]
    pub options: Option<TransferOptions>,
}

/// An unfinished transfer found in the checkpoint directory (e.g. after the app was killed).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransferRecord {
    /// Stable id.
    pub id: String,
    /// Upload or download.
    pub kind: TransferKind,
    /// Bucket (empty for a broken entry).
    pub bucket: String,
    /// Key (empty for a broken entry).
    pub key: String,
    /// The local file (none for a descriptor or reader source).
    pub local_path: Option<String>,
    /// The app's name of the descriptor or reader source an upload reads (pass that source
    /// again to resume it).
    pub source_name: Option<String>,
    /// Bytes in the whole transfer.
    pub total_bytes: u64,
    /// Bytes already transferred.
    pub bytes_done: u64,
    /// Part size.
    pub part_size: u64,
    /// The multipart upload (uploads).
    pub upload_id: Option<String>,
    /// When the transfer started, if recorded.
    pub created: Option<SystemTime>,
    /// When the checkpoint was last written.
    pub updated: Option<SystemTime>,
    /// Why its last run failed, if it did.
    pub last_error: Option<String>,
    /// Why it cannot be resumed (a broken checkpoint): discard it.
    pub problem: Option<String>,
}

impl From<core_transfer::PendingTransfer> for TransferRecord {
    fn from(p: core_transfer::PendingTransfer) -> Self {
        Self {
            id: p.id,
            kind: p.kind.into(),
            bucket: p.bucket,
            key: p.key,
            local_path: p.local_path.map(|p| p.to_string_lossy().into_owned()),
            source_name: p.source_name,
            total_bytes: p.total_bytes,
            bytes_done: p.bytes_done,
            part_size: p.part_size,
            upload_id: p.upload_id,
            created: p.created,
            updated: p.updated,
            last_error: p.last_error,
            problem: p.problem,
        }
    }
}

/// Told what a transfer does, on an SDK thread (never the caller's); keep it short.
#[uniffi::export(with_foreign)]
pub trait TransferListener: Send + Sync {
    /// The state changed (also the first report, and the terminal one).
    fn on_state_changed(&self, snapshot: TransferSnapshot);
    /// More bytes moved (at most every `progress_interval_ms`).
    fn on_progress(&self, snapshot: TransferSnapshot);
    /// A part finished, a request is retried, the credentials were refreshed.
    fn on_event(&self, event: TransferEvent);
}

/// A running or finished transfer. Its methods return at once and are safe from any thread.
#[derive(uniffi::Object)]
pub struct Transfer {
    task: TransferTask,
    _live: LiveToken,
}

impl std::fmt::Debug for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.task.fmt(f)
    }
}

#[uniffi::export]
impl Transfer {
    /// Stable id (its checkpoint's, so the same after a restart).
    pub fn id(&self) -> String {
        self.task.id().to_owned()
    }

    /// Upload or download.
    pub fn kind(&self) -> TransferKind {
        self.task.kind().into()
    }

    /// Stops moving bytes, keeping what was done (idempotent).
    pub fn pause(&self) {
        self.task.pause();
    }

    /// Continues a paused or failed transfer (idempotent).
    pub fn resume(&self) {
        self.task.resume();
    }

    /// Cancels: aborts the multipart upload, forgets the checkpoint (idempotent; holds even
    /// before the work started).
    pub fn cancel(&self) {
        self.task.cancel();
    }

    /// Where it stands now.
    pub fn snapshot(&self) -> TransferSnapshot {
        TransferSnapshot::from(&self.task.status())
    }

    /// Waits for the end: the result, or the error it failed with (`Cancelled` when cancelled).
    /// Cancelling this wait does not stop the transfer.
    pub async fn result(&self) -> Result<TransferResult, OssError> {
        self.task
            .result()
            .await
            .map(TransferResult::from)
            .map_err(OssError::from)
    }
}

impl Transfer {
    /// Wraps a task, forwarding its changes to `listener` from a task of its own.
    pub(crate) fn new(
        task: TransferTask,
        listener: Option<Arc<dyn TransferListener>>,
        runtime: &tokio::runtime::Handle,
    ) -> Arc<Self> {
        if let Some(listener) = listener {
            runtime.spawn(forward(task.subscribe(), task.subscribe_events(), listener));
        }
        Arc::new(Self {
            task,
            _live: LiveToken::new(),
        })
    }

    /// The task behind it.
    pub(crate) fn task(&self) -> &TransferTask {
        &self.task
    }
}

/// Calls the listener for each change and event until the transfer ends for good. Events that
/// happened before a state change are told before it.
async fn forward(
    mut status: tokio::sync::watch::Receiver<TransferStatus>,
    events: tokio::sync::broadcast::Receiver<core_transfer::TransferEvent>,
    listener: Arc<dyn TransferListener>,
) {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    let mut events = Some(events);
    let mut last_state = None;
    let mut status_changed = true;
    loop {
        if status_changed {
            while let Some(rx) = events.as_mut() {
                match rx.try_recv() {
                    Ok(event) => tell_event(&listener, event).await,
                    Err(TryRecvError::Lagged(_)) => {}
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => events = None,
                }
            }
            let snapshot = TransferSnapshot::from(&*status.borrow_and_update());
            let state = snapshot.state;
            let changed = last_state != Some(state);
            tell(&listener, move |l| {
                if changed {
                    l.on_state_changed(snapshot)
                } else {
                    l.on_progress(snapshot)
                }
            })
            .await;
            last_state = Some(state);
            if matches!(state, TransferState::Completed | TransferState::Cancelled) {
                return;
            }
        }
        let next_event = async {
            match events.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            event = next_event => {
                status_changed = false;
                match event {
                    Ok(event) => tell_event(&listener, event).await,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => events = None,
                }
            }
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                status_changed = true;
            }
        }
    }
}

/// Tells the listener one event.
async fn tell_event(listener: &Arc<dyn TransferListener>, event: core_transfer::TransferEvent) {
    if let Some(event) = TransferEvent::from_core(event) {
        tell(listener, move |l| l.on_event(event)).await;
    }
}

/// Calls app code off the runtime's workers; a throw or panic in it is contained.
async fn tell(
    listener: &Arc<dyn TransferListener>,
    call: impl FnOnce(&dyn TransferListener) + Send + 'static,
) {
    let listener = listener.clone();
    let _ = tokio::task::spawn_blocking(move || call(&*listener)).await;
}

/// Something that happened inside a transfer besides progress.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TransferEvent {
    /// Part (or download range) `number` finished.
    PartFinished {
        /// 1-based number.
        number: u32,
        /// Its size.
        bytes: u64,
    },
    /// A request failed and is sent again after `delay_ms`.
    Retrying {
        /// The attempt that failed (1 = the first).
        attempt: u32,
        /// Why it failed.
        reason: String,
        /// The pause before the next attempt.
        delay_ms: u64,
    },
    /// The server refused the credentials; fresh ones were fetched and the request sent again.
    CredentialsRefreshed,
}

impl TransferEvent {
    /// The public form of a core event (`None` for kinds this surface does not know yet).
    fn from_core(e: core_transfer::TransferEvent) -> Option<Self> {
        use core_transfer::TransferEvent as E;
        Some(match e {
            E::PartFinished { number, bytes } => Self::PartFinished { number, bytes },
            E::Retrying {
                attempt,
                reason,
                delay,
            } => Self::Retrying {
                attempt,
                reason,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            },
            E::CredentialsRefreshed => Self::CredentialsRefreshed,
            _ => return None,
        })
    }
}

/// Core's options for a transfer.
pub(crate) fn upload_options(
    options: &TransferOptions,
    put: Option<PutOptions>,
    checkpoint_dir: Option<PathBuf>,
) -> core_transfer::UploadOptions {
    core_transfer::UploadOptions {
        part_size: options.part_size,
        parallel: options.parallel.max(1) as usize,
        multipart_threshold: options.multipart_threshold,
        checkpoint_dir,
        content_md5: options.content_md5,
        put: put.map(Into::into).unwrap_or_default(),
        progress_interval: Duration::from_millis(options.progress_interval_ms),
        keep_upload_on_cancel: options.keep_upload_on_cancel,
        ..core_transfer::UploadOptions::default()
    }
}

/// Core's options for a download.
pub(crate) fn download_options(
    options: &TransferOptions,
    checkpoint_dir: Option<PathBuf>,
) -> core_transfer::DownloadOptions {
    core_transfer::DownloadOptions {
        part_size: options.part_size.max(1),
        parallel: options.parallel.max(1) as usize,
        checkpoint_dir,
        progress_interval: Duration::from_millis(options.progress_interval_ms),
        ..core_transfer::DownloadOptions::default()
    }
}
