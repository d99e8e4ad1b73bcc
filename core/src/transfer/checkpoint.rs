//! Checkpoints: what a resumable transfer has finished, kept in a self-checking file that is
//! replaced atomically (temp file, fsync, rename) after every part. Transfers use them through
//! [`CheckpointFile`], which does the file work on the blocking pool.

use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::off_thread::off_thread;
use crate::error::{Error, Result};

/// The on-disk envelope: the payload and a digest of it.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    format: String,
    digest: String,
    payload: T,
}

const FORMAT: &str = "ossdirect-checkpoint-1";

fn digest_of<T: Serialize>(payload: &T) -> Result<String> {
    let bytes = serde_json::to_vec(payload)
        .map_err(|e| Error::InvalidArgument(format!("checkpoint does not serialize: {e}")))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Why a checkpoint could not be used (the transfer then starts over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// Not JSON of the expected shape, or truncated.
    Unreadable(String),
    /// The digest does not match the content.
    DigestMismatch,
    /// The content is inconsistent (a part number or size out of range): see
    /// [`super::CheckpointCheck`].
    Invalid(String),
}

impl std::fmt::Display for CheckpointProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(e) => write!(f, "unreadable checkpoint: {e}"),
            Self::DigestMismatch => f.write_str("checkpoint digest mismatch (corrupt or edited)"),
            Self::Invalid(e) => write!(f, "inconsistent checkpoint: {e}"),
        }
    }
}

/// Reads a checkpoint: `Ok(None)` when there is none, `Ok(Err(problem))` when it is unusable.
pub fn load<T: Serialize + DeserializeOwned>(
    path: &Path,
) -> Result<Option<std::result::Result<T, CheckpointProblem>>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    parse(&bytes).map(Some)
}

/// Reads a checkpoint file's content: `Ok(Err(problem))` when it is unusable.
pub fn parse<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
) -> Result<std::result::Result<T, CheckpointProblem>> {
    let envelope: Envelope<T> = match serde_json::from_slice(bytes) {
        Ok(e) => e,
        Err(e) => return Ok(Err(CheckpointProblem::Unreadable(e.to_string()))),
    };
    if envelope.format != FORMAT {
        return Ok(Err(CheckpointProblem::Unreadable(format!(
            "format {:?}, expected {FORMAT:?}",
            envelope.format
        ))));
    }
    if digest_of(&envelope.payload)? != envelope.digest {
        return Ok(Err(CheckpointProblem::DigestMismatch));
    }
    Ok(Ok(envelope.payload))
}

/// Writes a checkpoint atomically: a crash leaves the old or the new one, never a mix.
pub fn save<T: Serialize>(path: &Path, payload: &T) -> Result<()> {
    let envelope = Envelope {
        format: FORMAT.to_owned(),
        digest: digest_of(payload)?,
        payload,
    };
    let bytes = serde_json::to_vec_pretty(&envelope)
        .map_err(|e| Error::InvalidArgument(format!("checkpoint does not serialize: {e}")))?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".checkpoint-")
        .tempfile_in(dir)?;
    tmp.write_all(&bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

/// Now, in milliseconds since the Unix epoch (a checkpoint's `created_ms`).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Removes a checkpoint (missing is fine).
pub fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// The checkpoint file of a transfer: one per (direction, bucket, key, local file).
pub fn path_for(dir: &Path, direction: &str, bucket: &str, key: &str, local: &Path) -> PathBuf {
    let mut h = Sha256::new();
    for part in [direction, bucket, key, &local.to_string_lossy()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    dir.join(format!(
        "{direction}-{}.json",
        &hex::encode(h.finalize())[..32]
    ))
}

/// The checkpoint file of one transfer: it owns its path, and reads, writes and removes the file
/// on the blocking pool, never on the async threads.
#[derive(Debug)]
pub struct CheckpointFile<T> {
    path: PathBuf,
    payload: PhantomData<fn() -> T>,
}

impl<T> Clone for CheckpointFile<T> {
    fn clone(&self) -> Self {
        Self {
            path: self.path.clone(),
            payload: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> CheckpointFile<T> {
    /// The checkpoint at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            payload: PhantomData,
        }
    }

    /// The checkpoint of a transfer in `dir`: one per (direction, bucket, key, local file), see
    /// [`path_for`].
    pub fn for_transfer(
        dir: &Path,
        direction: &str,
        bucket: &str,
        key: &str,
        local: &Path,
    ) -> Self {
        Self::new(path_for(dir, direction, bucket, key, local))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads it: `Ok(None)` when there is none, `Ok(Some(Err(problem)))` when it is unusable.
    pub async fn load(&self) -> Result<Option<std::result::Result<T, CheckpointProblem>>> {
        let path = self.path.clone();
        off_thread(move || load::<T>(&path)).await
    }

    /// Replaces it atomically with `payload`. The write starts at once (it ends in an fsync);
    /// the future says how it went.
    pub fn save(
        &self,
        payload: T,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'static {
        let path = self.path.clone();
        off_thread(move || save(&path, &payload))
    }

    /// Removes it (missing is fine).
    pub async fn remove(&self) -> Result<()> {
        let path = self.path.clone();
        off_thread(move || remove(&path)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        upload_id: String,
        parts: Vec<u32>,
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.json");
        assert!(load::<Sample>(&path).unwrap().is_none());
        let s = Sample {
            upload_id: "u".into(),
            parts: vec![1, 2],
        };
        save(&path, &s).unwrap();
        assert_eq!(load::<Sample>(&path).unwrap().unwrap().unwrap(), s);

        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"u\"", "\"v\"");
        std::fs::write(&path, text).unwrap();
        assert_eq!(
            load::<Sample>(&path).unwrap().unwrap(),
            Err(CheckpointProblem::DigestMismatch)
        );

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(
            load::<Sample>(&path).unwrap().unwrap(),
            Err(CheckpointProblem::Unreadable(_))
        ));

        std::fs::write(&path, b"\x00\xffgarbage").unwrap();
        assert!(matches!(
            load::<Sample>(&path).unwrap().unwrap(),
            Err(CheckpointProblem::Unreadable(_))
        ));
        remove(&path).unwrap();
        remove(&path).unwrap();
    }
}
