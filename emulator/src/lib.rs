//! # ossdirect-emulator
//!
//! A local Alibaba Cloud OSS + STS server for developing and testing apps offline. Unlike a
//! plain object store it checks requests the way the real services do:
//!
//! - OSS signatures V1 and V4, in headers and in presigned URLs, with the ±15 minute clock
//!   window; a mismatch answers `SignatureDoesNotMatch` with the string the server signed.
//! - STS security tokens (authenticated, expiring) and RAM policies (users, roles, session
//!   policies, conditions) for every operation.
//! - Multipart rules (part sizes, order, ETags), CRC-64 and MD5 integrity headers.
//! - An STS `AssumeRole` endpoint (ACS3-HMAC-SHA256 and RPC HMAC-SHA1 signatures).
//!
//! It starts with zero configuration: an account, a bucket, a RAM user and a role are created
//! on first start and kept in the data directory. Test controls (fault injection, clock offset,
//! statistics) let a test suite provoke failures on purpose.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ossdirect_emulator::EmulatorError> {
//! use ossdirect_emulator::{Emulator, EmulatorOptions};
//!
//! let emulator = Emulator::start(EmulatorOptions {
//!     data_dir: "/tmp/oss-data".into(),
//!     ..EmulatorOptions::default()
//! })
//! .await?;
//! println!("OSS at {}", emulator.info().oss_endpoint);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod app;
mod clock;
mod control;
mod crypto;
mod emulator;
mod error;
mod faults;
mod fsutil;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http_util;
mod identity;
mod ids;
mod inject;
mod operation;
mod options;
mod oss;
mod policy;
mod server;
mod stats;
mod storage;
mod sts;

pub use emulator::{Emulator, ReadyInfo};
pub use error::EmulatorError;
pub use faults::{FaultKind, FaultRule, FaultTrigger};
pub use options::EmulatorOptions;
pub use ossdirect_serve::ConnectionLimits;
