//! Downloads an object into a file, resumably: stop it (Ctrl-C, a lost network) and run it again
//! with the same arguments to continue where it stopped.
//!
//! `resumable_download KEY FILE CHECKPOINT_DIR` (settings from the environment).

use std::path::PathBuf;
use std::sync::Arc;

use ossdirect::transfer::{DownloadOptions, Progress, TransferHandle};
use ossdirect_examples::{progress_line, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(key), Some(file), Some(checkpoints)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: resumable_download KEY FILE CHECKPOINT_DIR".into());
    };
    let settings = Settings::from_env()?;
    let client = settings.client()?;
    let handle = TransferHandle::new();
    // Ctrl-C pauses: the checkpoint and the ranges already written are kept for the next run.
    let on_interrupt = handle.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.pause();
        }
    });
    let options = DownloadOptions {
        checkpoint_dir: Some(PathBuf::from(checkpoints)),
        progress: Some(Arc::new(|p: Progress| {
            eprint!(
                "\r{}",
                progress_line("download", p.bytes_done, p.bytes_total)
            );
        })),
        ..DownloadOptions::default()
    };
    let out = client
        .download(
            &settings.bucket,
            &key,
            &PathBuf::from(&file),
            &options,
            &handle,
        )
        .await;
    eprintln!();
    match out {
        Ok(out) => {
            println!(
                "downloaded {key} to {file}: {} bytes, {} ranges reused from an earlier run",
                out.size, out.parts_reused
            );
            Ok(())
        }
        Err(e) if e.is_stopped() => {
            println!("paused; run the same command again to resume");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
