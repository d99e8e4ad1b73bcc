//! Downloads the test command's later steps need, run in the background while the Rust steps
//! compile: the Swift chroot (Debian trixie and its `swiftlang`), Maven's plugins and dependencies,
//! and the interop venv's Python SDKs. On a fresh machine these are minutes of network and
//! unpacking that need little CPU; when they are there already, each is a quick check.
//!
//! A failure here is only reported: the step that needs the download does it again, in the
//! foreground, and fails there with its whole output.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crate::{root, Result};

/// One download step, its output going to the log file it is given.
type Step = fn(&Path) -> Result;

/// The background downloads, started by [`start`]. Dropped without [`finish`] (another step
/// failed), it waits for them, so no download outlives the test command.
pub struct Downloads(Option<JoinHandle<Vec<String>>>);

impl Drop for Downloads {
    fn drop(&mut self) {
        if let Some(downloads) = self.0.take() {
            let _ = downloads.join();
        }
    }
}

/// Where the downloads' output goes (`target/prefetch/<step>.log`).
fn log(step: &str) -> PathBuf {
    root().join("target/prefetch").join(format!("{step}.log"))
}

/// Starts the downloads on their own thread.
pub fn start() -> Downloads {
    Downloads(Some(std::thread::spawn(|| {
        let dir = root().join("target/prefetch");
        // This run's output only.
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let steps: [(&str, Step); 3] = [
            ("swift-chroot", crate::swift::prefetch),
            ("maven", crate::kotlin::prefetch),
            ("python", |log| crate::interop_venv(Some(log)).map(|_| ())),
        ];
        steps
            .iter()
            .filter_map(|(name, step)| step(&log(name)).err().map(|e| format!("{name}: {e}")))
            .collect()
    })))
}

/// Waits for the downloads to end and reports what failed (the steps that need them retry).
pub fn finish(mut downloads: Downloads) {
    let Some(downloads) = downloads.0.take() else {
        return;
    };
    match downloads.join() {
        Ok(failures) => {
            for failure in failures {
                eprintln!("xtask: download in the background failed, retried later: {failure}");
            }
        }
        Err(_) => eprintln!("xtask: the background downloads stopped on a panic; retried later"),
    }
}
