//! What an upload reads from: a file (read part by part at offsets, resumable), a reader at
//! offsets the app supplies (a descriptor, a callback; resumable under the app's name for it), a
//! buffer, or a caller-supplied stream (read once).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::off_thread::off_thread;
use super::positional::read_exact_at;
use super::read_at::{read_section, AppSource, ReadAt};
use super::section::Section;
use crate::error::{Error, Result};

/// The bytes to upload.
pub enum UploadSource {
    /// A local file; uploads of files are resumable.
    File(PathBuf),
    /// Bytes in memory.
    Bytes(Bytes),
    /// `size` bytes read at offsets from `reader`: a file descriptor the app handed over (wrap
    /// it in a `std::fs::File`), or an app callback. Resumable like a file (with a
    /// `checkpoint_dir`), under the app's `identity`.
    At {
        /// The bytes.
        reader: Arc<dyn ReadAt>,
        /// How many there are.
        size: u64,
        /// The app's name and version of the source.
        identity: AppSource,
    },
    /// A stream read once, front to back; `size` if known. Not resumable.
    Reader {
        /// The stream.
        reader: Box<dyn AsyncRead + Send + Unpin>,
        /// Its length, if known.
        size: Option<u64>,
    },
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::At { size, identity, .. } => f
                .debug_struct("At")
                .field("size", size)
                .field("identity", identity)
                .finish_non_exhaustive(),
            Self::Reader { size, .. } => f.debug_struct("Reader").field("size", size).finish(),
        }
    }
}

/// What identifies a source file between runs: a changed file must not be resumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIdentity {
    /// Length in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified_ns: i128,
    /// SHA-256 of up to 64 KiB at the start, middle and end.
    pub sample: String,
}

const SAMPLE: u64 = 64 * 1024;

/// Reads `len` bytes at `offset` of a file, off the async threads.
pub(crate) async fn read_file_range(path: &Path, offset: u64, len: usize) -> Result<Bytes> {
    read_file_range_into(path.to_path_buf(), offset, len, Vec::new()).await
}

/// As [`read_file_range`], filling `buf` (its allocation is reused).
async fn read_file_range_into(
    path: PathBuf,
    offset: u64,
    len: usize,
    mut buf: Vec<u8>,
) -> Result<Bytes> {
    off_thread(move || -> Result<Bytes> {
        let file = std::fs::File::open(&path)?;
        buf.clear();
        buf.resize(len, 0);
        read_exact_at(&file, &mut buf, offset).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("{} at {offset}+{len}: {e} (file changed?)", path.display()),
            ))
        })?;
        Ok(Bytes::from(buf))
    })
    .await
}

/// The identity of a file now.
pub(crate) async fn identify(path: &Path) -> Result<SourceIdentity> {
    let meta = tokio::fs::metadata(path).await.map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    })?;
    let size = meta.len();
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let mut h = Sha256::new();
    for offset in [0, size / 2, size.saturating_sub(SAMPLE)] {
        let len = SAMPLE.min(size - offset.min(size)) as usize;
        h.update(read_file_range(path, offset, len).await?);
    }
    Ok(SourceIdentity {
        size,
        modified_ns,
        sample: hex::encode(h.finalize()),
    })
}

/// Part buffers handed back after their request finished, so an upload allocates at most
/// `parallel` of them however many parts it sends (memory stays near part size × parallel). Used
/// for parts sent as bytes (streams); files and app readers stream their parts instead.
#[derive(Default)]
pub(crate) struct BufferPool {
    free: Vec<Vec<u8>>,
}

impl BufferPool {
    /// A free buffer, or a new empty one.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        self.free.pop().unwrap_or_default()
    }

    /// Takes a part body back once nothing else holds it.
    pub(crate) fn give_back(&mut self, body: Bytes) {
        if let Ok(unique) = body.try_into_mut() {
            self.free.push(unique.into());
        }
    }
}

/// A source whose parts can be streamed from it, each read again for a retry: a file (opened per
/// part) or a reader at offsets.
pub(crate) enum SectionSource {
    File(PathBuf),
    At(Arc<dyn ReadAt>),
}

impl SectionSource {
    /// `len` bytes at `offset`, ready to be sent as a stream.
    pub(crate) async fn section(&self, offset: u64, len: u64) -> Result<Section> {
        match self {
            Self::File(path) => {
                let path = path.clone();
                let file = off_thread(move || {
                    std::fs::File::open(&path).map_err(|e| {
                        Error::Io(std::io::Error::new(
                            e.kind(),
                            format!("{}: {e}", path.display()),
                        ))
                    })
                })
                .await?;
                Ok(Section::new(Arc::new(file), offset, len))
            }
            Self::At(reader) => Ok(Section::new(reader.clone(), offset, len)),
        }
    }
}

/// Reads parts of a source in order (streams) or at offsets (files, buffers).
pub(crate) enum PartReader {
    File(PathBuf),
    At(Arc<dyn ReadAt>),
    Bytes(Bytes),
    Stream(Box<dyn AsyncRead + Send + Unpin>),
}

impl PartReader {
    /// The source to stream parts from, when it can be read again at any offset (files and app
    /// readers); buffers and streams send their parts as bytes.
    pub(crate) fn section_source(&self) -> Option<SectionSource> {
        match self {
            Self::File(path) => Some(SectionSource::File(path.clone())),
            Self::At(reader) => Some(SectionSource::At(reader.clone())),
            Self::Bytes(_) | Self::Stream(_) => None,
        }
    }

    /// Up to `len` bytes at `offset` (streams ignore `offset`: they are read in order).
    pub(crate) async fn read(&mut self, offset: u64, len: usize) -> Result<Bytes> {
        self.read_into(offset, len, Vec::new()).await
    }

    /// A part of a buffer, taken without reading, so a part can be sliced while other parts are
    /// being sent; other sources give `buf` back (files and app readers stream their parts from
    /// a [`SectionSource`]; streams are read in order).
    pub(crate) fn detached_read(
        &self,
        offset: u64,
        len: usize,
        buf: Vec<u8>,
    ) -> std::result::Result<BoxFuture<'static, Result<Bytes>>, Vec<u8>> {
        match self {
            Self::Bytes(b) => {
                let start = (offset as usize).min(b.len());
                let end = (start + len).min(b.len());
                Ok(Box::pin(std::future::ready(Ok(b.slice(start..end)))))
            }
            Self::File(_) | Self::At(_) | Self::Stream(_) => Err(buf),
        }
    }

    /// As [`PartReader::read`], reusing `buf`'s allocation where the bytes are copied.
    pub(crate) async fn read_into(
        &mut self,
        offset: u64,
        len: usize,
        mut buf: Vec<u8>,
    ) -> Result<Bytes> {
        match self {
            Self::File(p) => read_file_range_into(p.clone(), offset, len, buf).await,
            Self::At(r) => read_section(r.clone(), offset, len, buf).await,
            Self::Bytes(b) => {
                let start = (offset as usize).min(b.len());
                let end = (start + len).min(b.len());
                Ok(b.slice(start..end))
            }
            Self::Stream(r) => {
                buf.clear();
                buf.reserve(len);
                r.take(len as u64).read_to_end(&mut buf).await?;
                Ok(Bytes::from(buf))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_only_when_unshared() {
        let mut pool = BufferPool::default();
        let body = Bytes::from(vec![7u8; 1 << 20]);
        let shared = body.clone();
        pool.give_back(body);
        assert_eq!(pool.take().capacity(), 0, "still shared: not reused");
        pool.give_back(shared);
        assert!(pool.take().capacity() >= 1 << 20, "unique again: reused");
    }

    #[tokio::test]
    async fn reading_into_a_buffer_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, (0..=255u8).collect::<Vec<_>>()).unwrap();
        let mut reader = PartReader::File(path);
        let buf = Vec::with_capacity(4096);
        let ptr = buf.as_ptr();
        let got = reader.read_into(10, 5, buf).await.unwrap();
        assert_eq!(&got[..], &[10, 11, 12, 13, 14]);
        assert_eq!(got.as_ptr(), ptr, "same allocation");
    }
}
