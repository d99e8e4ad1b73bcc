//! Errors that stop the emulator from starting.

use std::path::PathBuf;

/// Why [`crate::Emulator::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The options are inconsistent (e.g. no data directory, test controls on a public address).
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The config file could not be read or is invalid.
    #[error("config file {path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The persisted state (`state.json`) could not be read or written.
    #[error("state in {path}: {message}")]
    State {
        /// The file or directory concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another I/O failure while starting.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl EmulatorError {
    /// An I/O error with context.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
