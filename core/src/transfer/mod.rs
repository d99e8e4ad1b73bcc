//! Transfers that survive real networks: multipart and resumable uploads and downloads with
//! progress, pause and cancel.

pub mod checkpoint;
mod checkpoint_check;
mod control;
mod download;
mod events;
mod file_writer;
mod off_thread;
mod positional;
mod progress;
mod read_at;
pub mod registry;
pub(crate) mod section;
mod source;
mod task;
pub(crate) mod upload;

pub use checkpoint_check::{CheckedLoad, CheckpointCheck};
pub use control::{ControlState, TransferHandle};
pub use download::{DownloadCheckpoint, DownloadOptions, DownloadOutput};
pub(crate) use events::emit as emit_event;
pub use events::{EventCallback, TransferEvent};
pub use progress::{Progress, ProgressCallback};
pub use read_at::{AppSource, ReadAt};
pub use registry::{PendingTransfer, TransferKind};
pub use source::{SourceIdentity, UploadSource};
pub use task::{TransferJob, TransferOutput, TransferState, TransferStatus, TransferTask};
pub use upload::{
    effective_part_size, CheckpointPart, UploadCheckpoint, UploadOptions, UploadOutput,
    MAX_PART_SIZE, MIN_PART_SIZE,
};
