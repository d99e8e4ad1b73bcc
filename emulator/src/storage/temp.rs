//! Temporary files that disappear unless kept.

use std::path::{Path, PathBuf};

use crate::ids;

/// A file in the data directory's `tmp/`, removed on drop unless [`TempFile::keep`] was called.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    /// A new unique path in `dir` (the file is not created).
    pub(crate) fn new_in(dir: &Path) -> Self {
        Self {
            path: Some(dir.join(format!("{}.part", ids::alnum(20)))),
        }
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or_else(|| Path::new(""))
    }

    /// Moves the file to `dest` (same file system) and stops tracking it.
    pub(crate) async fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        tokio::fs::rename(self.path(), dest).await?;
        self.path = None;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let t = TempFile::new_in(dir.path());
        std::fs::write(t.path(), b"x").unwrap();
        let gone = t.path().to_owned();
        drop(t);
        assert!(!gone.exists());
        let t = TempFile::new_in(dir.path());
        std::fs::write(t.path(), b"y").unwrap();
        let dest = dir.path().join("kept");
        t.persist(&dest).await.unwrap();
        assert_eq!(std::fs::read(dest).unwrap(), b"y");
    }
}
