//! Streams a request body to a temporary file, hashing it (MD5, CRC-64) on the way.

use std::path::Path;

use axum::body::Body;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use ossdirect::crc64::Crc64;
use tokio::io::{AsyncWriteExt, BufWriter};

use super::temp::TempFile;

/// A body saved to disk.
#[derive(Debug)]
pub(crate) struct ReceivedBody {
    /// The file holding the bytes.
    pub(crate) file: TempFile,
    /// How many bytes.
    pub(crate) size: u64,
    /// Their MD5.
    pub(crate) md5: [u8; 16],
    /// Their CRC-64/XZ.
    pub(crate) crc64: u64,
}

/// Why a body could not be received.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReceiveError {
    /// More bytes than allowed.
    #[error("the body is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The client sent fewer bytes than its `Content-Length` or broke off.
    #[error("the body ended early: {0}")]
    Incomplete(String),
    /// The disk failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Streams `body` into a new file in `tmp_dir`; `on_bytes` is told of every chunk's size.
pub(crate) async fn receive(
    body: Body,
    tmp_dir: &Path,
    limit: u64,
    on_bytes: impl Fn(u64),
) -> Result<ReceivedBody, ReceiveError> {
    let file = TempFile::new_in(tmp_dir);
    let mut out = BufWriter::with_capacity(256 * 1024, tokio::fs::File::create(file.path()).await?);
    let mut md5 = Md5::new();
    let mut crc = Crc64::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReceiveError::Incomplete(e.to_string()))?;
        on_bytes(chunk.len() as u64);
        size += chunk.len() as u64;
        if size > limit {
            return Err(ReceiveError::TooLarge { limit });
        }
        md5.update(&chunk);
        crc.update(&chunk);
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    out.get_ref().sync_all().await?;
    Ok(ReceivedBody {
        file,
        size,
        md5: md5.finalize().into(),
        crc64: crc.finish(),
    })
}

/// Reads a small body (an XML document) into memory, refusing more than `limit` bytes.
pub(crate) async fn read_small(
    body: Body,
    limit: usize,
    on_bytes: impl Fn(u64),
) -> Result<Vec<u8>, ReceiveError> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReceiveError::Incomplete(e.to_string()))?;
        on_bytes(chunk.len() as u64);
        if out.len() + chunk.len() > limit {
            return Err(ReceiveError::TooLarge {
                limit: limit as u64,
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Reads and discards a body, counting its bytes, until at least `limit` bytes have come (or
/// the body ends).
pub(crate) async fn drain(body: Body, limit: u64, on_bytes: impl Fn(u64)) {
    let mut stream = body.into_data_stream();
    let mut read = 0u64;
    while read < limit {
        let Some(Ok(chunk)) = stream.next().await else {
            break;
        };
        on_bytes(chunk.len() as u64);
        read += chunk.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test]
    async fn hashes_while_streaming() {
        let dir = tempfile::tempdir().unwrap();
        let counted = AtomicU64::new(0);
        let got = receive(Body::from("123456789"), dir.path(), 100, |n| {
            counted.fetch_add(n, Ordering::Relaxed);
        })
        .await
        .unwrap();
        assert_eq!(got.size, 9);
        assert_eq!(got.crc64, 11051210869376104954);
        assert_eq!(hex::encode(got.md5), "25f9e794323b453885f5181f1b624d0b");
        assert_eq!(std::fs::read(got.file.path()).unwrap(), b"123456789");
        assert_eq!(counted.load(Ordering::Relaxed), 9);
        let err = receive(Body::from("123456789"), dir.path(), 5, |_| {}).await;
        assert!(matches!(err, Err(ReceiveError::TooLarge { .. })));
        let small = read_small(Body::from("<a/>"), 10, |_| {}).await.unwrap();
        assert_eq!(small, b"<a/>");
    }
}
