//! Crash-safe file writes: write a temporary file, fsync it, rename it into place, fsync the
//! directory.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::ids;

/// A fresh temporary path next to `path` (same directory, so a rename is atomic).
pub(crate) fn sibling_temp(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", ids::alnum(12)))
}

/// Flushes a directory entry change (rename, unlink) to disk.
pub(crate) async fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates (truncates) `path` readable and writable by its owner only (0600 on Unix): the
/// emulator's files hold secrets (`state.json`) and other people's objects.
pub(crate) async fn create_private(path: &Path) -> io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}

/// Makes `path` private to its owner: 0600 for a file, 0700 for a directory (Unix only).
pub(crate) async fn make_private(path: &Path, directory: bool) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if directory { 0o700 } else { 0o600 };
        tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).await?;
    }
    #[cfg(not(unix))]
    let _ = (path, directory);
    Ok(())
}

/// Replaces `path` with `bytes` atomically: readers see the old or the new content, never a
/// mix, and after a crash the file is one or the other. The file is private to its owner.
pub(crate) async fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = sibling_temp(path);
    let result = async {
        let mut file = create_private(&temp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&temp, path).await
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result?;
    if let Some(dir) = path.parent() {
        sync_dir(dir).await?;
    }
    Ok(())
}

/// Serializes `value` as pretty JSON and writes it atomically.
pub(crate) async fn write_json_atomic<T: serde::Serialize>(
    path: &Path,
    value: &T,
) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    write_atomic(path, &bytes).await
}

/// Reads and parses a JSON file; `Ok(None)` if it does not exist.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> io::Result<Option<T>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes a file, treating "already gone" as success.
pub(crate) async fn remove_if_exists(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn atomic_json_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        assert_eq!(read_json::<Vec<u32>>(&path).await.unwrap(), None);
        write_json_atomic(&path, &vec![1u32, 2]).await.unwrap();
        write_json_atomic(&path, &vec![3u32]).await.unwrap();
        assert_eq!(read_json::<Vec<u32>>(&path).await.unwrap(), Some(vec![3]));
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left");
        remove_if_exists(&path).await.unwrap();
        remove_if_exists(&path).await.unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn written_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        write_json_atomic(&path, &vec![1u32]).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
