//! A part of a source sent as a stream: read in small chunks as the connection takes them (one
//! chunk read ahead), its CRC-64 computed as the bytes go, so a part in flight holds two chunks of
//! memory whatever the part size. Each attempt reads its section again from the source.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::task::JoinHandle;

use super::read_at::{read_section, ReadAt};
use crate::client::BodyProgress;
use crate::crc64::Crc64;
use crate::error::{Error, Result};

/// Bytes read from the source per chunk.
pub(crate) const CHUNK: usize = 256 * 1024;
/// Bytes handed to the connection at a time (progress is told after each).
const SLICE: usize = 64 * 1024;

/// `len` bytes of a source at `offset`.
#[derive(Clone)]
pub(crate) struct Section {
    reader: Arc<dyn ReadAt>,
    offset: u64,
    len: u64,
}

/// How an attempt's body went: the CRC-64 of the bytes handed to the connection once all were,
/// or the error reading the source (which the HTTP stack would report as a broken request).
#[derive(Clone, Default)]
pub(crate) struct SentCrc(Arc<Mutex<Sent>>);

#[derive(Default)]
struct Sent {
    crc: Option<u64>,
    read_error: Option<Error>,
}

impl SentCrc {
    /// The CRC-64 of the whole section, if the body was sent to its end.
    pub(crate) fn get(&self) -> Option<u64> {
        self.lock().crc
    }

    /// The error reading the source, if reading it failed: the attempt's real failure.
    pub(crate) fn take_read_error(&self) -> Option<Error> {
        self.lock().read_error.take()
    }

    fn set(&self, crc: u64) {
        self.lock().crc = Some(crc);
    }

    fn fail(&self, e: Error) -> std::io::Error {
        let io = std::io::Error::other(e.to_string());
        self.lock().read_error = Some(e);
        io
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sent> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where one attempt's body stands.
struct Cursor {
    section: Section,
    /// Bytes handed over so far.
    sent: u64,
    /// Bytes read so far.
    read: u64,
    /// What is left of the chunk being handed over.
    current: Bytes,
    crc: Crc64,
    /// The next chunk, being read.
    ahead: Option<JoinHandle<Result<Bytes>>>,
    done: SentCrc,
    progress: Option<BodyProgress>,
}

impl Section {
    /// `len` bytes of `reader` at `offset`.
    pub(crate) fn new(reader: Arc<dyn ReadAt>, offset: u64, len: u64) -> Self {
        Self {
            reader,
            offset,
            len,
        }
    }

    /// How many bytes it holds.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Starts reading the chunk at `from` (relative to the section) on the blocking pool.
    fn read_ahead(&self, from: u64) -> Option<JoinHandle<Result<Bytes>>> {
        let n = (self.len - from).min(CHUNK as u64) as usize;
        if n == 0 {
            return None;
        }
        // Allocated here, on the runtime's thread, not on the blocking thread that fills it: the
        // chunk's memory then comes from the few workers' malloc arenas instead of one arena per
        // blocking thread, each keeping freed chunks resident.
        let buf = Vec::with_capacity(n);
        let read = read_section(self.reader.clone(), self.offset + from, n, buf);
        Some(tokio::spawn(read))
    }

    /// The base64 MD5 of the section (`Content-MD5`), read once in chunks.
    pub(crate) async fn content_md5(&self) -> Result<String> {
        use base64::Engine;
        let mut md5 = Md5::new();
        let mut from = 0;
        while from < self.len {
            let n = (self.len - from).min(CHUNK as u64) as usize;
            let chunk =
                read_section(self.reader.clone(), self.offset + from, n, Vec::new()).await?;
            md5.update(&chunk);
            from += n as u64;
        }
        Ok(base64::engine::general_purpose::STANDARD.encode(md5.finalize()))
    }

    /// The body of one attempt, and where its CRC-64 appears once every byte was handed over.
    /// `progress` is told the bytes handed over so far.
    pub(crate) fn body(&self, progress: Option<BodyProgress>) -> (reqwest::Body, SentCrc) {
        let (chunks, done) = self.chunks(progress);
        (reqwest::Body::wrap_stream(chunks), done)
    }

    /// The chunks of one attempt's body (see [`Section::body`]).
    fn chunks(
        &self,
        progress: Option<BodyProgress>,
    ) -> (
        impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        SentCrc,
    ) {
        let done = SentCrc::default();
        if let Some(p) = &progress {
            (p.0)(0);
        }
        if self.len == 0 {
            // Nothing to hand over: the (empty) body is complete before it starts.
            done.set(Crc64::new().finish());
        }
        let cursor = Cursor {
            section: self.clone(),
            sent: 0,
            read: 0,
            current: Bytes::new(),
            crc: Crc64::new(),
            ahead: self.read_ahead(0),
            done: done.clone(),
            progress,
        };
        let chunks = futures_util::stream::unfold(cursor, |mut c| async move {
            if c.current.is_empty() {
                let reading = c.ahead.take()?;
                let chunk = match reading.await {
                    Ok(Ok(chunk)) => chunk,
                    Ok(Err(e)) => return Some((Err(c.done.fail(e)), c)),
                    Err(e) => {
                        let e = Error::Io(std::io::Error::other(e.to_string()));
                        return Some((Err(c.done.fail(e)), c));
                    }
                };
                c.read += chunk.len() as u64;
                c.ahead = c.section.read_ahead(c.read);
                c.crc.update(&chunk);
                c.current = chunk;
            }
            let slice = c.current.split_to(SLICE.min(c.current.len()));
            c.sent += slice.len() as u64;
            if c.sent == c.section.len {
                c.done.set(c.crc.finish());
            }
            if let Some(p) = &c.progress {
                (p.0)(c.sent);
            }
            Some((Ok::<Bytes, std::io::Error>(slice), c))
        });
        (chunks, done)
    }
}

/// The whole of the file at `path`, as a section (opened and measured off the async threads).
pub(crate) async fn file_section(path: &std::path::Path) -> Result<Section> {
    let path = path.to_path_buf();
    let (file, len) = super::off_thread::off_thread(move || {
        let described = |e: std::io::Error| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        };
        let file = std::fs::File::open(&path).map_err(described)?;
        let len = file.metadata().map_err(described)?.len();
        Ok::<_, Error>((file, len))
    })
    .await?;
    Ok(Section::new(Arc::new(file), 0, len))
}

/// The error of an attempt whose body did not reach its end although the server answered.
pub(crate) fn unfinished_body() -> Error {
    Error::InvalidResponse("the server answered before the part's body was sent".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_streams_the_section_and_knows_its_crc_at_the_end() {
        use futures_util::StreamExt;
        let data: Vec<u8> = (0..CHUNK * 2 + 100).map(|i| (i % 253) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let section = Section::new(Arc::new(file), 50, (CHUNK * 2) as u64);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let progress = BodyProgress(Arc::new(move |n| s.lock().unwrap().push(n)));
        let (stream, crc) = section.chunks(Some(progress));
        assert_eq!(crc.get(), None);
        let mut stream = std::pin::pin!(stream);
        let mut got = Vec::new();
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(got, &data[50..50 + CHUNK * 2]);
        assert_eq!(crc.get(), Some(crate::crc64::checksum(&got)));
        let reports = seen.lock().unwrap().clone();
        let expected: Vec<u64> = (0..=(2 * CHUNK / SLICE) as u64)
            .map(|i| i * SLICE as u64)
            .collect();
        assert_eq!(reports, expected);
        assert_eq!(section.content_md5().await.unwrap().len(), 24);
    }

    #[tokio::test]
    async fn an_empty_section_is_a_complete_empty_body() {
        let section = Section::new(Arc::new(tempfile::tempfile().unwrap()), 0, 0);
        let (stream, crc) = section.chunks(None);
        let mut stream = std::pin::pin!(stream);
        assert!(futures_util::StreamExt::next(&mut stream).await.is_none());
        assert_eq!(crc.get(), Some(crate::crc64::checksum(b"")));
    }
}
