//! What an upload reads from, as the app hands it over.

use std::path::PathBuf;

use bytes::Bytes;

/// The bytes to upload.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum UploadSource {
    /// A file, read part by part as parts are sent (never whole in memory); resumable.
    File {
        /// Absolute path.
        path: String,
    },
    /// Bytes in memory (small payloads).
    Bytes {
        /// The bytes.
        data: Vec<u8>,
    },
}

impl From<UploadSource> for ossdirect::transfer::UploadSource {
    fn from(s: UploadSource) -> Self {
        match s {
            UploadSource::File { path } => Self::File(PathBuf::from(path)),
            UploadSource::Bytes { data } => Self::Bytes(Bytes::from(data)),
        }
    }
}
