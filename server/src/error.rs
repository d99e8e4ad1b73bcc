//! Errors that stop the server from starting or running.

use std::net::SocketAddr;

use crate::config::ConfigError;

/// Why the server could not start (or stopped with an error).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is invalid, or a file it names could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The caller's credentials are missing.
    #[error("caller credentials: {0}")]
    Credentials(String),
    /// The STS client could not be built.
    #[error("STS client: {0}")]
    Sts(#[source] ossdirect::Error),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server I/O: {0}")]
    Io(#[from] std::io::Error),
}
