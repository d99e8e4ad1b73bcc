//! Sources read at offsets that are not paths: a file descriptor an app handed over (Android's
//! `ParcelFileDescriptor.detachFd()` of a `content://` Uri), or an app callback. They are
//! resumable like files, under a name and version the app gives ([`AppSource`]).

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::off_thread::off_thread;
use crate::error::{Error, Result};

/// Bytes that can be read at any offset, from any thread. Calls happen on the SDK's blocking
/// pool, never on the async threads, so an implementation may block.
pub trait ReadAt: Send + Sync {
    /// Reads up to `buf.len()` bytes at `offset` into `buf`, returning how many were read; `0`
    /// only at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

impl ReadAt for std::fs::File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        super::positional::read_at(self, buf, offset)
    }
}

/// How an app names a source that has no path, so an upload from it can be found and resumed
/// after the process restarted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSource {
    /// What the source is, stable across runs (e.g. a `content://` Uri, a Photos asset id).
    /// Uploads of the same name to the same object share a checkpoint.
    pub name: String,
    /// Which content it holds (e.g. size and last-modified time): an upload resumes only onto
    /// the same version.
    pub version: String,
}

impl AppSource {
    /// What its checkpoint's file name is derived from, in place of a local path.
    pub(crate) fn checkpoint_name(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(format!("app:{}", self.name))
    }
}

/// Fills `len` bytes at `offset` from `reader`, off the async threads; a source that ends before
/// is an error naming the source (it changed, or its size was wrong).
pub(crate) async fn read_section(
    reader: Arc<dyn ReadAt>,
    offset: u64,
    len: usize,
    mut buf: Vec<u8>,
) -> Result<Bytes> {
    off_thread(move || -> Result<Bytes> {
        buf.clear();
        buf.resize(len, 0);
        let mut filled = 0;
        while filled < len {
            let at = offset + filled as u64;
            match reader.read_at(at, &mut buf[filled..]) {
                Ok(0) => {
                    return Err(Error::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the source ended at {at}, before {offset}+{len} (changed?)"),
                    )))
                }
                Ok(n) => filled += n.min(len - filled),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
        Ok(Bytes::from(buf))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most 3 bytes per call, like a pipe-backed provider might.
    struct Trickle(Vec<u8>);

    impl ReadAt for Trickle {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            let start = (offset as usize).min(self.0.len());
            let n = buf.len().min(3).min(self.0.len() - start);
            buf[..n].copy_from_slice(&self.0[start..start + n]);
            Ok(n)
        }
    }

    #[tokio::test]
    async fn short_reads_are_continued_and_a_short_source_is_an_error() {
        let reader: Arc<dyn ReadAt> = Arc::new(Trickle((0..=99u8).collect()));
        let got = read_section(reader.clone(), 10, 20, Vec::new())
            .await
            .unwrap();
        assert_eq!(&got[..], &(10..30u8).collect::<Vec<_>>()[..]);
        let e = read_section(reader, 90, 20, Vec::new()).await.unwrap_err();
        assert!(e.to_string().contains("ended at 100"), "{e}");
    }

    #[tokio::test]
    async fn a_file_reads_at_offsets() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"0123456789").unwrap();
        let reader: Arc<dyn ReadAt> = Arc::new(file);
        let got = read_section(reader, 3, 4, Vec::new()).await.unwrap();
        assert_eq!(&got[..], b"3456");
    }
}
