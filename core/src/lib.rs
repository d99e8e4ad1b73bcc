//! # ossdirect
//!
//! Move files directly between apps and Alibaba Cloud Object Storage Service (OSS) with
//! short-lived STS credentials.
//!
//! - [`sign`]: OSS signatures V1 and V4, in headers and presigned URLs (pure functions).
//! - [`crc64`]: CRC-64/XZ as OSS computes it, with `combine` for multipart objects.
//! - [`credentials`]: credentials with redacted `Debug`, and the providers that supply them.
//! - [`signer`]: the signer interface (local credentials or a remote signing service).
//! - [`client`]: endpoints, addressing, retries, clock-skew correction, the error model.
//! - [`api`]: the object and multipart operations.
//! - [`transfer`]: multipart, resumable uploads and downloads with progress, pause and cancel.
//! - [`sts`]: STS `AssumeRole`, for app servers that vend credentials.
//!
//! ```no_run
//! # async fn demo() -> ossdirect::Result<()> {
//! use std::sync::Arc;
//! use ossdirect::{Client, Credentials, StaticProvider, PutObjectOptions};
//!
//! let client = Client::builder("cn-hangzhou")
//!     .credentials_provider(Arc::new(StaticProvider::new(Credentials::new("ak", "secret"))))
//!     .build()?;
//! client.put_object("my-bucket", "hello.txt", "hello", &PutObjectOptions::default()).await?;
//! # Ok(()) }
//! ```

pub mod api;
mod backoff;
mod body_limit;
pub mod client;
pub mod crc64;
pub mod credentials;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod sign;
pub mod signer;
pub mod sts;
pub mod transfer;

pub use api::{GetObjectOptions, PutObjectOptions};
pub use body_limit::MAX_SMALL_BODY;
pub use client::{Addressing, Client, ClientBuilder, Endpoint, RetryPolicy};
pub use credentials::{Credentials, CredentialsProvider, StaticProvider};
pub use error::{codes, Detail, Error, IntegrityCheck, Result, ServiceError};
pub use sign::SignatureVersion;
