//! # ossdirect-ffi
//!
//! The UniFFI surface of [`ossdirect`] for Kotlin (Android, desktop JVM) and Swift (iOS): thin
//! wrappers that convert at the boundary and map errors in one place. Everything that moves
//! bytes runs on one process-wide tokio runtime owned by this crate; synchronous calls return in
//! microseconds. `docs/ffi.md` describes the types, threading, cancellation and lifetimes.

uniffi::setup_scaffolding!();

mod client;
mod config;
mod credentials;
mod error;
mod live;
mod logging;
mod objects;
mod runtime;
mod signing;
mod source;
mod transfer;

pub use client::OssClient;
pub use config::{Addressing, ClientConfig, SignatureVersion};
pub use credentials::{CredentialsFetcher, CredentialsSource, HttpMethod, StsCredentials};
pub use error::OssError;
pub use live::live_objects;
pub use logging::{set_logger, LogLevel, Logger};
pub use objects::{
    ListObjectsRequest, ListPage, ObjectInfo, ObjectSummary, PresignRequest, PresignedRequest,
    PutOptions, PutResult,
};
pub use signing::{SignatureProvider, SigningRequest, SigningResult};
pub use source::{SourceIdentity, SourceReader, UploadSource};
pub use transfer::{
    DownloadRequest, Transfer, TransferEvent, TransferKind, TransferListener, TransferOptions,
    TransferRecord, TransferResult, TransferSnapshot, TransferState, UploadRequest,
};
