//! Reading an object while it may be replaced or deleted. A reader leases the data files of the
//! version it opened; a file retired (by an overwrite or a delete) while leased is removed when
//! its last reader is done, so every read sees one whole version.
//!
//! A version's bytes are one file (a simple upload) or the files of its parts in order (a
//! completed multipart upload, whose part files become the object's without a copy).

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::fsutil;

/// The data files being read, with how many readers each has.
#[derive(Debug, Default)]
pub(crate) struct ReadLeases {
    files: Mutex<HashMap<PathBuf, Lease>>,
}

#[derive(Debug, Default)]
struct Lease {
    readers: usize,
    /// No version names the file any more: remove it with its last reader.
    retired: bool,
}

impl ReadLeases {
    /// Leases `paths` until the guard is dropped.
    pub(super) fn lease(self: &Arc<Self>, paths: Vec<PathBuf>) -> LeaseGuard {
        if let Ok(mut files) = self.files.lock() {
            for path in &paths {
                files.entry(path.clone()).or_default().readers += 1;
            }
        }
        LeaseGuard {
            leases: self.clone(),
            paths,
        }
    }

    /// Removes a data file no version names any more: now, or when its last reader is done.
    pub(super) async fn retire(&self, path: PathBuf) -> std::io::Result<()> {
        if let Ok(mut files) = self.files.lock() {
            if let Some(lease) = files.get_mut(&path) {
                lease.retired = true;
                return Ok(());
            }
        }
        fsutil::remove_if_exists(&path).await
    }

    fn release(&self, paths: &[PathBuf]) {
        let mut unused = Vec::new();
        if let Ok(mut files) = self.files.lock() {
            for path in paths {
                let Some(lease) = files.get_mut(path) else {
                    continue;
                };
                lease.readers = lease.readers.saturating_sub(1);
                if lease.readers == 0 {
                    if lease.retired {
                        unused.push(path.clone());
                    }
                    files.remove(path);
                }
            }
        }
        if !unused.is_empty() {
            remove_later(unused);
        }
    }
}

/// Removes files off the caller's thread (a large file can take a while to unlink), or right
/// here outside a runtime.
fn remove_later(paths: Vec<PathBuf>) {
    let remove = move || {
        for path in paths {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "cannot remove a replaced data file");
            }
        }
    };
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn_blocking(remove)),
        Err(_) => remove(),
    }
}

/// Holds a lease on data files.
#[derive(Debug)]
pub(super) struct LeaseGuard {
    leases: Arc<ReadLeases>,
    paths: Vec<PathBuf>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.leases.release(&self.paths);
    }
}

/// The bytes of one object version, readable until dropped whatever happens to the object.
#[derive(Debug)]
pub(crate) struct ObjectData {
    /// The files in order, each with where it starts in the object and its length.
    segments: Vec<(PathBuf, u64, u64)>,
    /// The segment open last (reads are sequential).
    open: Option<(usize, File)>,
    _lease: LeaseGuard,
}

impl ObjectData {
    /// The object made of `files` (paths and lengths, in order), leased from `leases`.
    pub(super) fn new(files: Vec<(PathBuf, u64)>, leases: &Arc<ReadLeases>) -> Self {
        let lease = leases.lease(files.iter().map(|(path, _)| path.clone()).collect());
        let mut start = 0;
        let segments = files
            .into_iter()
            .map(|(path, len)| {
                let segment = (path, start, len);
                start += len;
                segment
            })
            .collect();
        Self {
            segments,
            open: None,
            _lease: lease,
        }
    }

    /// The files in order, with their lengths (they stay in place while `self` lives).
    pub(crate) fn files(&self) -> Vec<(PathBuf, u64)> {
        self.segments
            .iter()
            .map(|(path, _, len)| (path.clone(), *len))
            .collect()
    }

    /// Up to `max` bytes at `offset`, never past the end of the file that holds `offset`
    /// (blocking; an object shorter than its metadata says is an `UnexpectedEof`).
    pub(crate) fn read(&mut self, offset: u64, max: u64) -> std::io::Result<Bytes> {
        use std::io::{Read, Seek};
        let eof = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        let index = self
            .segments
            .partition_point(|(_, start, len)| start + len <= offset);
        let (path, start, len) = self.segments.get(index).ok_or_else(eof)?;
        let within = offset - start;
        let want = max.min(len - within);
        if self.open.as_ref().map(|(i, _)| *i) != Some(index) {
            self.open = Some((index, File::open(path)?));
        }
        let Some((_, file)) = self.open.as_mut() else {
            return Err(eof());
        };
        file.seek(std::io::SeekFrom::Start(within))?;
        let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
        file.take(want).read_to_end(&mut buf)?;
        if (buf.len() as u64) < want {
            return Err(eof());
        }
        Ok(Bytes::from(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path, contents: &[&[u8]]) -> Vec<(PathBuf, u64)> {
        contents
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                let path = dir.join(format!("{i}.data"));
                std::fs::write(&path, bytes).unwrap();
                (path, bytes.len() as u64)
            })
            .collect()
    }

    #[test]
    fn reads_stop_at_segment_ends_and_cross_them_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let leases = Arc::new(ReadLeases::default());
        let mut data = ObjectData::new(files(dir.path(), &[b"abc", b"", b"defg", b"h"]), &leases);
        assert_eq!(&data.read(1, 10).unwrap()[..], b"bc");
        assert_eq!(&data.read(3, 10).unwrap()[..], b"defg");
        assert_eq!(&data.read(5, 1).unwrap()[..], b"f");
        assert_eq!(&data.read(7, 10).unwrap()[..], b"h");
        assert_eq!(&data.read(0, 2).unwrap()[..], b"ab");
        assert!(data.read(8, 1).is_err());
    }

    #[tokio::test]
    async fn a_retired_file_outlives_its_readers_only() {
        let dir = tempfile::tempdir().unwrap();
        let leases = Arc::new(ReadLeases::default());
        let segments = files(dir.path(), &[b"old bytes"]);
        let path = segments[0].0.clone();
        let mut reader = ObjectData::new(segments.clone(), &leases);
        let second = ObjectData::new(segments, &leases);
        leases.retire(path.clone()).await.unwrap();
        assert_eq!(&reader.read(0, 3).unwrap()[..], b"old");
        drop(reader);
        assert!(path.exists(), "still read by the second reader");
        drop(second);
        for _ in 0..200 {
            if !path.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!path.exists(), "removed with its last reader");
        // Not leased: removed at once.
        let other = files(dir.path(), &[b"x"]).remove(0).0;
        leases.retire(other.clone()).await.unwrap();
        assert!(!other.exists());
    }

    #[test]
    fn a_file_shorter_than_recorded_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let leases = Arc::new(ReadLeases::default());
        let mut segments = files(dir.path(), &[b"abc"]);
        segments[0].1 = 5;
        let mut data = ObjectData::new(segments, &leases);
        let err = data.read(0, 5).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
