//! What an upload reads from, as the app hands it over: a path, a file descriptor (Android's
//! `detachFd()` of a `content://` Uri), a reader the app implements, or bytes.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use ossdirect::transfer::{self as core_transfer, AppSource, ReadAt};

use crate::error::OssError;
use crate::runtime::panic_message;

/// The bytes to upload.
#[derive(Clone, uniffi::Enum)]
pub enum UploadSource {
    /// A file, read part by part as parts are sent (never whole in memory); resumable.
    File {
        /// Absolute path.
        path: String,
    },
    /// An open file descriptor the app hands over (Android: `ParcelFileDescriptor.detachFd()`).
    /// The SDK owns it from then on, reads it at offsets and closes it, also when the call
    /// fails. It must be a regular file (a pipe cannot be read at offsets: use `Reader`).
    /// Resumable under `identity`.
    Descriptor {
        /// The descriptor.
        fd: i32,
        /// The app's name and version of the content.
        identity: SourceIdentity,
    },
    /// Bytes the app serves at offsets (a photo library asset, a decrypted file...), `size`
    /// long. Resumable under `identity`.
    Reader {
        /// Serves the bytes.
        reader: Arc<dyn SourceReader>,
        /// How many bytes there are.
        size: u64,
        /// The app's name and version of the content.
        identity: SourceIdentity,
    },
    /// Bytes in memory (small payloads).
    Bytes {
        /// The bytes.
        data: Vec<u8>,
    },
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { path } => f.debug_struct("File").field("path", path).finish(),
            Self::Descriptor { fd, identity } => f
                .debug_struct("Descriptor")
                .field("fd", fd)
                .field("identity", identity)
                .finish(),
            Self::Reader { size, identity, .. } => f
                .debug_struct("Reader")
                .field("size", size)
                .field("identity", identity)
                .finish_non_exhaustive(),
            Self::Bytes { data } => write!(f, "Bytes({} bytes)", data.len()),
        }
    }
}

/// How the app names a source that has no path, so an upload from it can be listed and resumed
/// after the process was killed: `name` stays the same across runs (e.g. the `content://` Uri),
/// `version` changes with the content (e.g. size and last-modified time). A resume onto another
/// version is refused with `SourceChanged`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SourceIdentity {
    /// What the source is.
    pub name: String,
    /// Which content it holds.
    pub version: String,
}

/// Serves an upload's bytes at offsets. Called on a thread of the SDK's blocking pool (never the
/// main thread nor the I/O thread), possibly from several at once for different offsets; it may
/// block.
#[uniffi::export(with_foreign)]
pub trait SourceReader: Send + Sync {
    /// Up to `len` bytes at `offset`; fewer only at the end of the source, none past it.
    fn read_at(&self, offset: u64, len: u32) -> Result<Vec<u8>, OssError>;
}

impl UploadSource {
    /// Core's source. A descriptor is owned (and closed) from here on, whatever happens.
    pub(crate) fn into_core(self) -> Result<core_transfer::UploadSource, OssError> {
        Ok(match self {
            Self::File { path } => core_transfer::UploadSource::File(PathBuf::from(path)),
            Self::Bytes { data } => core_transfer::UploadSource::Bytes(Bytes::from(data)),
            Self::Descriptor { fd, identity } => {
                let file = descriptor::adopt(fd)?;
                let size = file
                    .metadata()
                    .map_err(|e| OssError::Io {
                        path: None,
                        reason: format!("descriptor {fd}: {e}"),
                    })?
                    .len();
                core_transfer::UploadSource::At {
                    reader: Arc::new(file),
                    size,
                    identity: identity.into(),
                }
            }
            Self::Reader {
                reader,
                size,
                identity,
            } => core_transfer::UploadSource::At {
                reader: Arc::new(AppReader(reader)),
                size,
                identity: identity.into(),
            },
        })
    }
}

impl From<SourceIdentity> for AppSource {
    fn from(i: SourceIdentity) -> Self {
        Self {
            name: i.name,
            version: i.version,
        }
    }
}

/// Taking ownership of a descriptor the app hands over.
mod descriptor {
    use crate::error::OssError;

    /// The descriptor as a file the SDK owns; refused (and closed) unless it is a regular file.
    #[cfg(unix)]
    pub(super) fn adopt(fd: i32) -> Result<std::fs::File, OssError> {
        use std::os::fd::FromRawFd;
        if fd < 0 {
            return Err(OssError::InvalidArgument {
                reason: format!("{fd} is not a file descriptor"),
            });
        }
        // SAFETY: the app hands the descriptor over (Android's `detachFd()`) and no longer uses
        // or closes it; from here this `File` is its only owner and closes it when dropped.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        if !regular {
            return Err(OssError::InvalidArgument {
                reason: format!(
                    "descriptor {fd} is not a regular file (a pipe cannot be read at offsets): \
                     upload it through a Reader source"
                ),
            });
        }
        Ok(file)
    }

    /// Descriptors are a Unix notion; other platforms pass a path or a reader.
    #[cfg(not(unix))]
    pub(super) fn adopt(fd: i32) -> Result<std::fs::File, OssError> {
        Err(OssError::InvalidArgument {
            reason: format!("descriptor {fd}: descriptor sources exist on Android and iOS only"),
        })
    }
}

/// The app's reader as core's [`ReadAt`]: an app error, a panic or more bytes than asked become
/// an I/O error of the transfer, never a crash.
struct AppReader(Arc<dyn SourceReader>);

impl ReadAt for AppReader {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let call = std::panic::AssertUnwindSafe(|| self.0.read_at(offset, len));
        let bytes = std::panic::catch_unwind(call)
            .map_err(|panic| {
                std::io::Error::other(format!(
                    "the app's reader panicked: {}",
                    panic_message(panic)
                ))
            })?
            .map_err(|e| std::io::Error::other(format!("the app's reader failed: {e}")))?;
        if bytes.len() > len as usize {
            return Err(std::io::Error::other(format!(
                "the app's reader returned {} bytes at {offset} when {len} were asked",
                bytes.len()
            )));
        }
        buf[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }
}
