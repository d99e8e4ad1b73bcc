//! One upload or download, through core or through the ffi layer (timed from outside).

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use ossdirect::transfer::{DownloadOptions, Progress, TransferHandle, UploadOptions};
use ossdirect_ffi::{
    DownloadRequest, TransferEvent, TransferListener, TransferOptions, TransferSnapshot,
    UploadRequest, UploadSource,
};

use crate::{flag, number, Fallible, Target};

/// What one transfer is.
struct Job {
    upload: bool,
    endpoint: String,
    region: String,
    bucket: String,
    key: String,
    file: String,
    part_size: u64,
    parallel: u64,
    key_id: String,
    secret: String,
}

impl Job {
    fn target(&self) -> Target<'_> {
        Target {
            endpoint: &self.endpoint,
            region: &self.region,
            key_id: &self.key_id,
            secret: &self.secret,
        }
    }
}

/// Runs the transfer `flags` describe and prints one line: the bytes moved and the last progress.
pub fn run(flags: &HashMap<String, String>) -> Fallible<()> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let job = Job {
        upload: match flag(flags, "op")? {
            "upload" => true,
            "download" => false,
            other => return Err(format!("--op upload|download, not {other}").into()),
        },
        endpoint: flag(flags, "endpoint")?.to_owned(),
        region: flag(flags, "region")?.to_owned(),
        bucket: flag(flags, "bucket")?.to_owned(),
        key: flag(flags, "key")?.to_owned(),
        file: flag(flags, "file")?.to_owned(),
        part_size: number(flags, "part-size", 8 << 20)?,
        parallel: number(flags, "parallel", 4)?,
        key_id: env("OSS_ACCESS_KEY_ID")?,
        secret: env("OSS_ACCESS_KEY_SECRET")?,
    };
    let (size, progressed) = match flag(flags, "via")? {
        "core" => through_core(&job)?,
        "ffi" => through_ffi(&job)?,
        other => return Err(format!("--via core|ffi, not {other}").into()),
    };
    println!("{} bytes, last progress report {progressed}", size);
    Ok(())
}

/// `Client::upload` / `Client::download` on a two-worker runtime (the ffi layer's size), as a
/// Rust app calls them.
fn through_core(job: &Job) -> Fallible<(u64, u64)> {
    let (client, runtime) = job.target().core()?;
    let last = Arc::new(AtomicU64::new(0));
    let seen = last.clone();
    let progress = Some(
        Arc::new(move |p: Progress| seen.store(p.bytes_done, Ordering::Relaxed))
            as ossdirect::transfer::ProgressCallback,
    );
    let handle = TransferHandle::new();
    let size = if job.upload {
        let options = UploadOptions {
            part_size: job.part_size,
            parallel: job.parallel as usize,
            multipart_threshold: job.part_size,
            progress,
            ..UploadOptions::default()
        };
        let source = ossdirect::transfer::UploadSource::File(PathBuf::from(&job.file));
        runtime
            .block_on(client.upload(&job.bucket, &job.key, source, &options, &handle))?
            .size
    } else {
        let options = DownloadOptions {
            part_size: job.part_size,
            parallel: job.parallel as usize,
            progress,
            ..DownloadOptions::default()
        };
        let path = PathBuf::from(&job.file);
        runtime
            .block_on(client.download(&job.bucket, &job.key, &path, &options, &handle))?
            .size
    };
    Ok((size, last.load(Ordering::Relaxed)))
}

/// `OssClient::start_upload` / `start_download`, awaited through `Transfer::result` from a thread
/// outside the SDK's runtime, with a listener: what a Kotlin or Swift app does.
fn through_ffi(job: &Job) -> Fallible<(u64, u64)> {
    let client = job.target().ffi()?;
    let options = Some(TransferOptions {
        part_size: job.part_size,
        parallel: job.parallel as u32,
        multipart_threshold: job.part_size,
        ..TransferOptions::default()
    });
    let listener = Arc::new(LastProgress::default());
    let transfer = if job.upload {
        let request = UploadRequest {
            bucket: job.bucket.clone(),
            key: job.key.clone(),
            source: UploadSource::File {
                path: job.file.clone(),
            },
            put: None,
            options,
        };
        client.start_upload(request, Some(listener.clone()))?
    } else {
        let request = DownloadRequest {
            bucket: job.bucket.clone(),
            key: job.key.clone(),
            path: job.file.clone(),
            options,
        };
        client.start_download(request, Some(listener.clone()))?
    };
    let result = block_on(transfer.result())?;
    Ok((result.size, listener.0.load(Ordering::Relaxed)))
}

/// Keeps the last progress figure (events are ignored, as most apps do).
#[derive(Default)]
struct LastProgress(AtomicU64);

impl TransferListener for LastProgress {
    fn on_state_changed(&self, snapshot: TransferSnapshot) {
        self.0.fetch_max(snapshot.bytes_done, Ordering::Relaxed);
    }

    fn on_progress(&self, snapshot: TransferSnapshot) {
        self.0.fetch_max(snapshot.bytes_done, Ordering::Relaxed);
    }

    fn on_event(&self, _event: TransferEvent) {}
}

/// Polls `future` on this thread, parking between wake-ups (no runtime of its own).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}
