//! The writing side of a download: one thread of its own owns the temporary file and writes the
//! pieces of body the ranges hand it, in the order they arrive. A range keeps the pieces as the
//! HTTP stack delivered them (no copy), hands them over about a batch at a time without waiting
//! for them to be written, and waits once, at its end, for a barrier that says everything it
//! handed over is in the file.
//!
//! One writer means no two writes contend for the file's lock and no round trip to the blocking
//! pool per write; a bounded queue keeps memory at a few batches per range in flight.

use std::fs::File;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::positional::write_all_at;
use crate::crc64::Crc64;
use crate::error::{Error, Result};

/// Body bytes gathered before they are handed to the writer thread.
const WRITE_BATCH: u64 = 512 * 1024;

/// What the writer thread is asked to do.
enum Job {
    /// Write `pieces` one after the other from `offset`.
    Write { offset: u64, pieces: Vec<Bytes> },
    /// Answer once every write queued before this one is done (or with the first failure).
    Barrier(oneshot::Sender<std::io::Result<()>>),
}

/// Most batches waiting for the writer, whatever the parallelism (1 MiB): the writer keeps up
/// with any phone's flash, and when it falls behind (a slow disk, a thread starved of CPU) the
/// ranges wait instead of the queue growing. Four (one per range at the defaults) cost 1–3 MiB
/// more peak RSS for no speed (`cargo xtask bench ffi`, docs/benchmarks.md).
const MAX_QUEUE: usize = 2;

/// The writer thread of one download's temporary file.
pub(crate) struct FileWriter {
    jobs: mpsc::Sender<Job>,
    /// Answered when the thread ends.
    ended: oneshot::Receiver<()>,
}

impl FileWriter {
    /// Starts the writer thread for `file`; at most `queue` batches (up to 2) wait for it at
    /// once. The thread is its own, not the blocking pool's, which it would hold for the whole
    /// download.
    pub(crate) fn start(file: File, queue: usize) -> Result<Self> {
        let (jobs, receiver) = mpsc::channel(queue.clamp(1, MAX_QUEUE));
        let (end, ended) = oneshot::channel();
        std::thread::Builder::new()
            .name("ossdirect-download-writer".into())
            .spawn(move || {
                write_jobs(&file, receiver);
                let _ = end.send(());
            })?;
        Ok(Self { jobs, ended })
    }

    /// A writer for one attempt at the range that starts at `start` in the file.
    pub(crate) fn range(&self, start: u64) -> RangeWriter {
        RangeWriter {
            jobs: self.jobs.clone(),
            start,
            handed_over: 0,
            pending: Vec::new(),
            pending_len: 0,
            crc: Crc64::new(),
        }
    }

    /// Waits until the thread has written what was queued and let go of the file. Call it after
    /// every range writer is gone, so that no stale write lands after the download ends.
    pub(crate) async fn close(self) {
        drop(self.jobs);
        let _ = self.ended.await;
    }
}

/// The writer thread: runs the jobs until every sender is gone. After the first failed write
/// it writes nothing more and reports that failure at every barrier.
fn write_jobs(file: &File, mut jobs: mpsc::Receiver<Job>) {
    let mut failure: Option<std::io::Error> = None;
    while let Some(job) = jobs.blocking_recv() {
        match job {
            Job::Write { mut offset, pieces } => {
                for piece in &pieces {
                    if failure.is_some() {
                        break;
                    }
                    failure = write_all_at(file, piece, offset).err();
                    offset += piece.len() as u64;
                }
            }
            Job::Barrier(done) => {
                let answer = match &failure {
                    None => Ok(()),
                    Some(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                };
                let _ = done.send(answer);
            }
        }
    }
}

/// The error when the writer thread is gone (it only stops once nothing can send to it).
fn writer_gone() -> Error {
    Error::Io(std::io::Error::other("the download's file writer stopped"))
}

/// Writes one attempt at a range: hashes each piece of the body as it arrives and hands the
/// pieces to the writer thread about a batch at a time.
pub(crate) struct RangeWriter {
    jobs: mpsc::Sender<Job>,
    /// Where the range starts in the file.
    start: u64,
    /// Bytes handed to the writer thread.
    handed_over: u64,
    pending: Vec<Bytes>,
    pending_len: u64,
    crc: Crc64,
}

impl RangeWriter {
    /// Bytes received so far.
    pub(crate) fn received(&self) -> u64 {
        self.handed_over + self.pending_len
    }

    /// Bytes handed to the writer thread so far.
    pub(crate) fn handed_over(&self) -> u64 {
        self.handed_over
    }

    /// Takes a piece of the body; returns whether a batch was handed over.
    pub(crate) async fn push(&mut self, piece: Bytes) -> Result<bool> {
        self.crc.update(&piece);
        self.pending_len += piece.len() as u64;
        self.pending.push(piece);
        if self.pending_len < WRITE_BATCH {
            return Ok(false);
        }
        self.hand_over().await?;
        Ok(true)
    }

    async fn hand_over(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let offset = self.start + self.handed_over;
        let pieces = std::mem::take(&mut self.pending);
        self.jobs
            .send(Job::Write { offset, pieces })
            .await
            .map_err(|_| writer_gone())?;
        self.handed_over += std::mem::take(&mut self.pending_len);
        Ok(())
    }

    /// Hands over the rest and waits until all of it is in the file; returns the CRC-64 of
    /// everything received.
    pub(crate) async fn finish(mut self) -> Result<u64> {
        self.hand_over().await?;
        let (done, written) = oneshot::channel();
        self.jobs
            .send(Job::Barrier(done))
            .await
            .map_err(|_| writer_gone())?;
        written.await.map_err(|_| writer_gone())??;
        Ok(self.crc.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(len: u64) -> (tempfile::TempDir, std::path::PathBuf, File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target");
        let file = File::create(&path).unwrap();
        file.set_len(len).unwrap();
        (dir, path, file)
    }

    #[tokio::test]
    async fn ranges_land_at_their_offsets_whatever_the_piece_sizes() {
        let data: Vec<u8> = (0..3 * WRITE_BATCH as usize + 1234)
            .map(|i| (i % 251) as u8)
            .collect();
        let (_dir, path, file) = temp_file(data.len() as u64);
        let writer = FileWriter::start(file, 2).unwrap();
        let half = data.len() / 2;
        let mut first = writer.range(0);
        let mut second = writer.range(half as u64);
        // Interleaved, with pieces of odd sizes that straddle batch boundaries.
        let mut pieces_a = data[..half].chunks(70_001);
        let mut pieces_b = data[half..].chunks(333_333);
        loop {
            let (a, b) = (pieces_a.next(), pieces_b.next());
            if a.is_none() && b.is_none() {
                break;
            }
            if let Some(a) = a {
                first.push(Bytes::copy_from_slice(a)).await.unwrap();
            }
            if let Some(b) = b {
                second.push(Bytes::copy_from_slice(b)).await.unwrap();
            }
        }
        assert_eq!(first.received(), half as u64);
        assert_eq!(
            first.finish().await.unwrap(),
            crate::crc64::checksum(&data[..half])
        );
        assert_eq!(
            second.finish().await.unwrap(),
            crate::crc64::checksum(&data[half..])
        );
        writer.close().await;
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_at_the_range_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        let file = File::open(&path).unwrap(); // opened for reading: writes fail
        let writer = FileWriter::start(file, 1).unwrap();
        let mut range = writer.range(0);
        range.push(Bytes::from_static(&[7u8; 100])).await.unwrap();
        assert!(matches!(range.finish().await, Err(Error::Io(_))));
        // Later ranges learn of it too; nothing more is written.
        let mut later = writer.range(100);
        later.push(Bytes::from_static(&[7u8; 100])).await.unwrap();
        assert!(later.finish().await.is_err());
        writer.close().await;
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
