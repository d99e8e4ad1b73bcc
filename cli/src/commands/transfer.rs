//! `ossdirect upload` and `ossdirect download`: resumable transfers with a live progress bar.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ossdirect::transfer::{DownloadOptions, Progress, TransferHandle, UploadOptions, UploadSource};
use ossdirect::Error;

use super::object::{object, ConnectionArgs};
use super::CliResult;
use crate::args::{parse_oss_url, parse_size, OssUrl};

/// Flags shared by upload and download.
#[derive(Args, Debug)]
pub struct TransferFlags {
    /// Part size in bytes or with units (`8MiB`).
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    part_size: u64,
    /// Parts in flight at once.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
    /// Where checkpoints are kept (default: the user's state directory).
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// Start from scratch instead of resuming (and keep no checkpoint).
    #[arg(long)]
    no_resume: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl TransferFlags {
    fn checkpoint_dir(&self) -> Option<PathBuf> {
        if self.no_resume {
            return None;
        }
        self.checkpoint_dir.clone().or_else(default_state_dir)
    }
}

/// `$XDG_STATE_HOME/ossdirect/checkpoints`, or `~/.local/state/ossdirect/checkpoints`.
fn default_state_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("ossdirect/checkpoints"))
}

/// Arguments of `ossdirect upload`.
#[derive(Args, Debug)]
pub struct UploadArgs {
    /// The local file.
    file: PathBuf,
    /// `oss://BUCKET/KEY`.
    #[arg(value_parser = parse_oss_url)]
    target: OssUrl,
    /// Files larger than this go multipart (default: the part size).
    #[arg(long, value_parser = parse_size)]
    multipart_threshold: Option<u64>,
    /// Content-Type of the object.
    #[arg(long, allow_hyphen_values = true)]
    content_type: Option<String>,
    #[command(flatten)]
    flags: TransferFlags,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Arguments of `ossdirect download`.
#[derive(Args, Debug)]
pub struct DownloadArgs {
    /// `oss://BUCKET/KEY`.
    #[arg(value_parser = parse_oss_url)]
    target: OssUrl,
    /// The local file to write.
    file: PathBuf,
    #[command(flatten)]
    flags: TransferFlags,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// A progress bar fed by progress reports (hidden with `--quiet`).
pub fn progress_bar(quiet: bool) -> (ProgressBar, ossdirect::transfer::ProgressCallback) {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let feed = bar.clone();
    let callback = Arc::new(move |p: Progress| {
        feed.set_length(p.bytes_total);
        feed.set_position(p.bytes_done);
        feed.set_message(format!("parts {}/{}", p.parts_done, p.parts_total));
    });
    (bar, callback)
}

/// Pauses the transfer on Ctrl-C (the checkpoint is kept; run the command again to resume).
fn pause_on_ctrl_c(handle: &TransferHandle) {
    let handle = handle.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            handle.pause();
        }
    });
}

fn explain(e: Error) -> Box<dyn std::error::Error + Send + Sync> {
    match e {
        Error::Paused => "paused; run the same command again to resume".into(),
        other => format!("{other} (run the same command again to resume)").into(),
    }
}

/// Prints the one-line result of a transfer.
fn summary(
    verb: &str,
    unit: &str,
    size: u64,
    parts: u32,
    reused: u32,
    etag: &str,
    crc: Option<u64>,
) {
    let crc = crc.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    println!(
        "{verb} {size} bytes in {parts} {unit} ({reused} reused), etag {etag}, crc64ecma {crc}"
    );
}

/// Uploads a file, resumably.
pub async fn upload(a: UploadArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    let client = a.connection.client()?;
    let (bar, callback) = progress_bar(a.flags.quiet);
    let mut options = UploadOptions {
        part_size: a.flags.part_size,
        parallel: a.flags.parallel,
        multipart_threshold: a.multipart_threshold.unwrap_or(a.flags.part_size),
        checkpoint_dir: a.flags.checkpoint_dir(),
        progress: Some(callback),
        ..Default::default()
    };
    options.put.content_type = a.content_type;
    let handle = TransferHandle::new();
    pause_on_ctrl_c(&handle);
    let result = client
        .upload(
            bucket,
            key,
            UploadSource::File(a.file.clone()),
            &options,
            &handle,
        )
        .await;
    bar.finish();
    let out = result.map_err(explain)?;
    summary(
        "uploaded",
        "part(s)",
        out.size,
        out.parts,
        out.parts_reused,
        &out.etag,
        out.crc64,
    );
    Ok(())
}

/// Downloads an object to a file, resumably.
pub async fn download(a: DownloadArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    let client = a.connection.client()?;
    let (bar, callback) = progress_bar(a.flags.quiet);
    let options = DownloadOptions {
        part_size: a.flags.part_size,
        parallel: a.flags.parallel,
        checkpoint_dir: a.flags.checkpoint_dir(),
        progress: Some(callback),
        ..Default::default()
    };
    let handle = TransferHandle::new();
    pause_on_ctrl_c(&handle);
    let result = client
        .download(bucket, key, &a.file, &options, &handle)
        .await;
    bar.finish();
    let out = result.map_err(explain)?;
    summary(
        "downloaded",
        "range(s)",
        out.size,
        out.parts,
        out.parts_reused,
        &out.etag,
        out.crc64,
    );
    Ok(())
}
