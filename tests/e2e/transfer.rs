//! Transfers against the emulator: the fault matrix, pause/resume/cancel, and every resume edge
//! case. Each check compares the stored object's bytes (CRC-64 and SHA-256) with the source.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use ossdirect::credentials::{CredentialsFetcher, RefreshPolicy, RefreshingProvider};
use ossdirect::sts::{AssumeRoleRequest, StsClient};
use ossdirect::transfer::{
    checkpoint, DownloadOptions, Progress, TransferHandle, UploadCheckpoint, UploadOptions,
    UploadSource,
};
use ossdirect::{
    crc64, Client, Credentials, Endpoint, Error, GetObjectOptions, RetryPolicy, SignatureVersion,
};
use ossdirect_tests::{pattern, sha256, write_file, TestEmulator};

const PART: u64 = 128 * 1024;

fn options(dir: &Path) -> UploadOptions {
    UploadOptions {
        part_size: PART,
        parallel: 3,
        multipart_threshold: PART,
        checkpoint_dir: Some(dir.join("checkpoints")),
        ..Default::default()
    }
}

fn download_options(dir: &Path) -> DownloadOptions {
    DownloadOptions {
        part_size: PART,
        parallel: 3,
        checkpoint_dir: Some(dir.join("checkpoints")),
        ..Default::default()
    }
}

/// The stored object equals `expected`: CRC-64 (checked by the client too) and SHA-256.
async fn assert_stored(client: &Client, bucket: &str, key: &str, expected: &[u8]) {
    let got = client
        .get_object(bucket, key, &GetObjectOptions::default())
        .await
        .expect("read back");
    assert_eq!(
        got.meta.crc64,
        Some(crc64::checksum(expected)),
        "{key}: CRC-64"
    );
    assert_eq!(sha256(&got.body), sha256(expected), "{key}: SHA-256");
}

/// Uploads and downloads `size` bytes through `client` and checks both ends.
async fn round_trip(emu: &TestEmulator, client: &Client, key: &str, size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let bucket = emu.info().bucket.clone();
    let data = pattern(size, 9);
    let src = write_file(dir.path(), "src.bin", size, 9);
    let out = client
        .upload(
            &bucket,
            key,
            UploadSource::File(src),
            &options(dir.path()),
            &TransferHandle::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{key}: upload failed: {e}"));
    assert_eq!(out.crc64, Some(crc64::checksum(&data)));
    assert_stored(client, &bucket, key, &data).await;
    let dst = dir.path().join("dst.bin");
    let got = client
        .download(
            &bucket,
            key,
            &dst,
            &download_options(dir.path()),
            &TransferHandle::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{key}: download failed: {e}"));
    assert_eq!(got.size, size as u64);
    assert_eq!(
        sha256(&std::fs::read(&dst).unwrap()),
        sha256(&data),
        "{key}: downloaded bytes"
    );
}

/// A client of the default user with quick retries and a short read timeout.
fn client(emu: &TestEmulator, read_timeout: Duration, attempts: u32) -> Client {
    let info = emu.info();
    Client::builder(&info.region)
        .endpoint(Endpoint::parse(&info.oss_endpoint).unwrap())
        .credentials_provider(Arc::new(ossdirect::StaticProvider::new(Credentials::new(
            &info.access_key_id,
            &info.access_key_secret,
        ))))
        .retry_policy(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        })
        .read_timeout(read_timeout)
        .build()
        .unwrap()
}

#[tokio::test]
async fn fault_matrix_uploads_and_downloads_arrive_intact() {
    let scenarios: [(&str, &[&str]); 4] = [
        (
            "resets",
            &[
                "op=UploadPart,kind=reset,every=3,times=4",
                "op=GetObject,kind=reset,every=3,times=3",
            ],
        ),
        (
            "truncated",
            &[
                "op=UploadPart,kind=truncate,every=4,times=3",
                "op=GetObject,kind=truncate,every=3,times=3",
            ],
        ),
        (
            "throttled",
            &[
                "op=UploadPart,kind=status,status=503,code=ServiceUnavailable,rate=0.3,times=6",
                "op=GetObject,kind=status,status=503,rate=0.3,times=4",
                "op=InitiateMultipartUpload,kind=status,status=429,code=Throttling,nth=1",
            ],
        ),
        (
            "delays past the timeout",
            &[
                "op=UploadPart,kind=delay,ms=1500,every=4,times=2",
                "op=GetObject,kind=delay,ms=1500,nth=2",
            ],
        ),
    ];
    let emu = TestEmulator::start().await;
    let client = client(&emu, Duration::from_millis(700), 5);
    for (name, rules) in scenarios {
        emu.add_faults(rules).await;
        let (puts, gets) = (emu.count("UploadPart").await, emu.count("GetObject").await);
        round_trip(&emu, &client, &format!("faults/{name}.bin"), 1_500_000).await;
        // 12 parts and 12 ranges (plus one whole read to check): faults forced retries.
        let puts = emu.count("UploadPart").await - puts;
        let gets = emu.count("GetObject").await - gets;
        assert!(
            puts > 12 && gets > 13,
            "{name}: {puts} part uploads, {gets} reads"
        );
        emu.clear_faults().await;
    }
}

#[tokio::test]
async fn bytes_damaged_in_transit_are_caught_and_never_stored_or_kept() {
    let emu = TestEmulator::start().await;
    let client = client(&emu, Duration::from_secs(5), 5);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let size = 1_500_000;
    let data = pattern(size, 31);
    let src = write_file(dir.path(), "src.bin", size, 31);

    // Parts damaged on the way up: each part's CRC-64 (and, with Content-MD5, the server's
    // digest check) refuses them, and they are sent again.
    for content_md5 in [false, true] {
        emu.add_faults(&["op=UploadPart,kind=corrupt,every=3,times=3"])
            .await;
        let puts = emu.count("UploadPart").await;
        let key = format!("damaged/up-md5-{content_md5}.bin");
        let opts = UploadOptions {
            content_md5,
            ..options(dir.path())
        };
        client
            .upload(
                &bucket,
                &key,
                UploadSource::File(src.clone()),
                &opts,
                &TransferHandle::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        emu.clear_faults().await;
        assert_eq!(
            emu.count("UploadPart").await - puts,
            12 + 3,
            "{key}: resent parts"
        );
        assert_stored(&client, &bucket, &key, &data).await;
    }

    // A whole read damaged on the way down is read again.
    let key = "damaged/up-md5-false.bin";
    emu.add_faults(&["op=GetObject,kind=corrupt,times=1"]).await;
    let gets = emu.count("GetObject").await;
    assert_stored(&client, &bucket, key, &data).await;
    assert_eq!(emu.count("GetObject").await - gets, 2);
    emu.clear_faults().await;

    // A damaged range of a download: ranges carry no checksum of their own, so the whole-object
    // CRC-64 catches it at the end; nothing reaches the destination and nothing is kept, so the
    // next run starts clean.
    emu.add_faults(&["op=GetObject,kind=corrupt,nth=2"]).await;
    let dst = dir.path().join("dst.bin");
    let opts = download_options(dir.path());
    let r = client
        .download(&bucket, key, &dst, &opts, &TransferHandle::new())
        .await;
    assert!(matches!(r, Err(Error::Integrity { .. })), "{r:?}");
    assert!(!dst.exists());
    assert!(!dir.path().join(".dst.bin.ossdirect-download").exists());
    let checkpoints = std::fs::read_dir(dir.path().join("checkpoints")).unwrap();
    let downloads = checkpoints
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("download-")
        })
        .count();
    assert_eq!(downloads, 0, "no download checkpoint left");
    emu.clear_faults().await;
    let out = client
        .download(&bucket, key, &dst, &opts, &TransferHandle::new())
        .await
        .unwrap();
    assert_eq!(out.parts_reused, 0);
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&data));
}

#[tokio::test]
async fn a_server_clock_twenty_minutes_off_is_corrected_mid_transfer() {
    let emu = TestEmulator::start_with(|o| o.clock_offset_seconds = 20 * 60).await;
    round_trip(
        &emu,
        &emu.client(SignatureVersion::V4),
        "skew/v4.bin",
        700_000,
    )
    .await;
    round_trip(
        &emu,
        &emu.client(SignatureVersion::V1),
        "skew/v1.bin",
        700_000,
    )
    .await;
}

/// Fetches short-lived STS credentials from the emulator, counting the fetches.
#[derive(Debug)]
struct StsFetcher {
    sts: StsClient,
    role_arn: String,
    seconds: u64,
    fetches: AtomicU64,
}

impl CredentialsFetcher for StsFetcher {
    fn fetch(&self) -> BoxFuture<'_, ossdirect::Result<Credentials>> {
        Box::pin(async move {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let r = self
                .sts
                .assume_role(&AssumeRoleRequest {
                    role_arn: self.role_arn.clone(),
                    role_session_name: "mid-upload".into(),
                    duration_seconds: self.seconds,
                    policy: None,
                    external_id: None,
                })
                .await?;
            Ok(r.credentials)
        })
    }
}

#[tokio::test]
async fn credentials_that_expire_mid_transfer_are_refreshed() {
    let emu = TestEmulator::start_with(|o| o.sts_min_duration = Some(1)).await;
    let info = emu.info().clone();
    let fetcher = Arc::new(StsFetcher {
        sts: StsClient::new(
            &info.sts_endpoint,
            Credentials::new(&info.access_key_id, &info.access_key_secret),
            Duration::from_secs(5),
        )
        .unwrap(),
        role_arn: info.role_arn.clone(),
        seconds: 2,
        fetches: AtomicU64::new(0),
    });
    // No early refresh: tokens are used until they expire, so the server sees expired ones.
    let policy = RefreshPolicy {
        refresh_before: Duration::ZERO,
        ..Default::default()
    };
    let provider = Arc::new(RefreshingProvider::with_policy(fetcher.clone(), policy));
    let client = Client::builder(&info.region)
        .endpoint(Endpoint::parse(&info.oss_endpoint).unwrap())
        .credentials_provider(provider)
        .build()
        .unwrap();
    // Slow parts stretch the upload over several token lifetimes.
    emu.add_faults(&["op=UploadPart,kind=delay,ms=400"]).await;
    let dir = tempfile::tempdir().unwrap();
    let size = 12 * PART as usize;
    let src = write_file(dir.path(), "src.bin", size, 4);
    let opts = UploadOptions {
        parallel: 2,
        ..options(dir.path())
    };
    client
        .upload(
            &info.bucket,
            "sts/long.bin",
            UploadSource::File(src),
            &opts,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    emu.clear_faults().await;
    assert!(
        fetcher.fetches.load(Ordering::SeqCst) >= 2,
        "credentials were refreshed"
    );
    assert_stored(&client, &info.bucket, "sts/long.bin", &pattern(size, 4)).await;

    // The same for a download stretched over several token lifetimes.
    // (12 ranges, 2 at a time, 500 ms each: 3 s, longer than a token lives.)
    emu.add_faults(&["op=GetObject,kind=delay,ms=500"]).await;
    let fetched = fetcher.fetches.load(Ordering::SeqCst);
    let dst = dir.path().join("long.bin");
    let dl = DownloadOptions {
        parallel: 2,
        ..download_options(dir.path())
    };
    client
        .download(
            &info.bucket,
            "sts/long.bin",
            &dst,
            &dl,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    emu.clear_faults().await;
    assert!(
        fetcher.fetches.load(Ordering::SeqCst) > fetched,
        "credentials were refreshed during the download"
    );
    assert_eq!(
        sha256(&std::fs::read(&dst).unwrap()),
        sha256(&pattern(size, 4))
    );
}

/// Starts an upload slowed down by the emulator, pauses or cancels it once `parts` parts are
/// done, and returns how long the stop took.
async fn stop_after(
    client: &Client,
    bucket: &str,
    key: &str,
    src: &Path,
    opts: &UploadOptions,
    parts: u32,
    cancel: bool,
) -> (
    ossdirect::Result<ossdirect::transfer::UploadOutput>,
    Duration,
) {
    let handle = TransferHandle::new();
    let stopped_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let (h, s) = (handle.clone(), stopped_at.clone());
    let mut opts = opts.clone();
    opts.progress_interval = Duration::ZERO;
    opts.progress = Some(Arc::new(move |p: Progress| {
        if p.parts_done >= parts && s.lock().unwrap().is_none() {
            *s.lock().unwrap() = Some(Instant::now());
            if cancel {
                h.cancel()
            } else {
                h.pause()
            }
        }
    }));
    let result = client
        .upload(
            bucket,
            key,
            UploadSource::File(src.to_path_buf()),
            &opts,
            &handle,
        )
        .await;
    let took = stopped_at
        .lock()
        .unwrap()
        .map(|t| t.elapsed())
        .unwrap_or_default();
    (result, took)
}

fn checkpoint_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("upload-")
        })
        .expect("a checkpoint")
}

fn read_checkpoint(path: &Path) -> UploadCheckpoint {
    checkpoint::load::<UploadCheckpoint>(path)
        .unwrap()
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn pause_is_prompt_and_resume_sends_only_the_rest() {
    let emu = TestEmulator::start().await;
    emu.add_faults(&["op=UploadPart,kind=delay,ms=1500"]).await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let size = 10 * PART as usize + 1234;
    let src = write_file(dir.path(), "src.bin", size, 1);
    let opts = options(dir.path());

    let (result, took) = stop_after(&client, &bucket, "pause/a.bin", &src, &opts, 3, false).await;
    assert!(matches!(result, Err(Error::Paused)), "{result:?}");
    assert!(
        took < Duration::from_secs(1),
        "pause took {took:?} with parts in flight"
    );
    let cp = read_checkpoint(&checkpoint_file(dir.path()));
    assert!(cp.parts.len() >= 3);

    emu.clear_faults().await;
    let before = emu.bytes_received("UploadPart").await;
    // Resumed with other options: the upload keeps the part size it was started with.
    let resumed = UploadOptions {
        part_size: 2 * PART,
        ..opts.clone()
    };
    let out = client
        .upload(
            &bucket,
            "pause/a.bin",
            UploadSource::File(src),
            &resumed,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    let sent = emu.bytes_received("UploadPart").await - before;
    assert_eq!(out.parts, 11, "parts of the original {PART} bytes");
    assert_eq!(
        out.parts_reused as usize,
        cp.parts.len().max(out.parts_reused as usize)
    );
    let done: u64 = cp.parts.iter().map(|p| p.size).sum();
    assert!(
        sent <= size as u64 - done + 3 * PART,
        "sent {sent} after resume"
    );
    assert_stored(&client, &bucket, "pause/a.bin", &pattern(size, 1)).await;
    assert!(
        std::fs::read_dir(dir.path().join("checkpoints"))
            .unwrap()
            .next()
            .is_none(),
        "checkpoint removed"
    );
}

#[tokio::test]
async fn cancel_aborts_the_upload_or_keeps_it_and_a_pause_that_cannot_resume_cancels() {
    let emu = TestEmulator::start().await;
    emu.add_faults(&["op=UploadPart,kind=delay,ms=1500"]).await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let src = write_file(dir.path(), "src.bin", 8 * PART as usize, 2);
    for keep in [false, true] {
        let key = format!("cancel/keep-{keep}.bin");
        let opts = UploadOptions {
            keep_upload_on_cancel: keep,
            ..options(dir.path())
        };
        let (result, took) = stop_after(&client, &bucket, &key, &src, &opts, 1, true).await;
        assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
        assert!(took < Duration::from_secs(1), "cancel took {took:?}");
        let uploads = client
            .list_multipart_uploads(&bucket, Some(&key))
            .await
            .unwrap();
        assert_eq!(uploads.len(), usize::from(keep), "keep={keep}: {uploads:?}");
    }

    // A server slow to abort does not hold up the cancel; the abort finishes in the background.
    emu.add_faults(&["op=AbortMultipartUpload,kind=delay,ms=2500"])
        .await;
    let key = "cancel/slow-abort.bin";
    let (result, took) =
        stop_after(&client, &bucket, key, &src, &options(dir.path()), 1, true).await;
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(took < Duration::from_secs(1), "cancel took {took:?}");
    let mut left = usize::MAX;
    for _ in 0..50 {
        left = client
            .list_multipart_uploads(&bucket, Some(key))
            .await
            .unwrap()
            .len();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "aborted in the background");
    emu.clear_faults().await;

    // Pausing an upload that could never be resumed (no checkpoint, no upload id of the
    // caller's) is reported as a pause, and aborts the upload rather than leaving it on the
    // server.
    emu.add_faults(&["op=UploadPart,kind=delay,ms=1500"]).await;
    let opts = UploadOptions {
        checkpoint_dir: None,
        ..options(dir.path())
    };
    let key = "pause/no-checkpoint.bin";
    let (result, took) = stop_after(&client, &bucket, key, &src, &opts, 1, false).await;
    assert!(matches!(result, Err(Error::Paused)), "{result:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let uploads = client
        .list_multipart_uploads(&bucket, Some(key))
        .await
        .unwrap();
    assert!(
        uploads.is_empty(),
        "nothing left on the server: {uploads:?}"
    );
}

/// Pauses an upload after 3 parts and returns the checkpoint's path and content.
async fn paused_upload(
    emu: &TestEmulator,
    client: &Client,
    dir: &Path,
    key: &str,
    src: &Path,
) -> (PathBuf, UploadCheckpoint) {
    emu.add_faults(&["op=UploadPart,kind=delay,ms=800"]).await;
    let (result, _) = stop_after(
        client,
        &emu.info().bucket,
        key,
        src,
        &options(dir),
        3,
        false,
    )
    .await;
    assert!(matches!(result, Err(Error::Paused)), "{result:?}");
    emu.clear_faults().await;
    let path = checkpoint_file(dir);
    let cp = read_checkpoint(&path);
    (path, cp)
}

#[tokio::test]
async fn resume_edge_cases_start_over_cleanly_or_reuse_what_the_server_has() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let size = 9 * PART as usize;
    let resume = |dir: PathBuf, key: &'static str, src: PathBuf| {
        let client = client.clone();
        let bucket = bucket.clone();
        async move {
            client
                .upload(
                    &bucket,
                    key,
                    UploadSource::File(src),
                    &options(&dir),
                    &TransferHandle::new(),
                )
                .await
                .unwrap()
        }
    };

    // The source changed between runs: start over, and the stale upload is aborted.
    let dir = tempfile::tempdir().unwrap();
    let src = write_file(dir.path(), "src.bin", size, 1);
    let (_, cp) = paused_upload(&emu, &client, dir.path(), "edge/changed.bin", &src).await;
    std::fs::write(&src, pattern(size, 77)).unwrap();
    let out = resume(dir.path().into(), "edge/changed.bin", src.clone()).await;
    assert_eq!(out.parts_reused, 0);
    assert_stored(&client, &bucket, "edge/changed.bin", &pattern(size, 77)).await;
    let err = client
        .list_parts(&bucket, "edge/changed.bin", &cp.upload_id)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("NoSuchUpload"),
        "the stale upload was aborted"
    );

    // Truncated, garbage, and foreign checkpoints: start over.
    for damage in ["truncated", "garbage", "foreign"] {
        let dir = tempfile::tempdir().unwrap();
        let src = write_file(dir.path(), "src.bin", size, 3);
        let (path, mut cp) =
            paused_upload(&emu, &client, dir.path(), "edge/damaged.bin", &src).await;
        match damage {
            "truncated" => {
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
            }
            "garbage" => std::fs::write(&path, b"\x00\x01 not a checkpoint \xff").unwrap(),
            _ => {
                cp.file = dir.path().join("another-file.bin");
                checkpoint::save(&path, &cp).unwrap();
            }
        }
        resume(dir.path().into(), "edge/damaged.bin", src).await;
        assert_stored(&client, &bucket, "edge/damaged.bin", &pattern(size, 3)).await;
    }

    // The upload was aborted on the server: start over.
    let dir = tempfile::tempdir().unwrap();
    let src = write_file(dir.path(), "src.bin", size, 5);
    let (_, cp) = paused_upload(&emu, &client, dir.path(), "edge/aborted.bin", &src).await;
    client
        .abort_multipart_upload(&bucket, "edge/aborted.bin", &cp.upload_id)
        .await
        .unwrap();
    let out = resume(dir.path().into(), "edge/aborted.bin", src).await;
    assert_eq!(out.parts_reused, 0);
    assert_stored(&client, &bucket, "edge/aborted.bin", &pattern(size, 5)).await;

    // Parts the server has but the checkpoint lost (killed between a part and its checkpoint
    // write) are not sent again.
    let dir = tempfile::tempdir().unwrap();
    let src = write_file(dir.path(), "src.bin", size, 6);
    let (path, mut cp) = paused_upload(&emu, &client, dir.path(), "edge/lost.bin", &src).await;
    let on_server = client
        .list_parts(&bucket, "edge/lost.bin", &cp.upload_id)
        .await
        .unwrap()
        .len();
    cp.parts.clear();
    checkpoint::save(&path, &cp).unwrap();
    let before = emu.bytes_received("UploadPart").await;
    let out = resume(dir.path().into(), "edge/lost.bin", src).await;
    assert_eq!(out.parts_reused as usize, on_server);
    let sent = emu.bytes_received("UploadPart").await - before;
    assert_eq!(
        sent,
        (size - on_server * PART as usize) as u64,
        "only the missing parts were sent"
    );
    assert_stored(&client, &bucket, "edge/lost.bin", &pattern(size, 6)).await;
}

#[tokio::test]
async fn an_upload_id_created_elsewhere_is_resumed() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let size = 5 * PART as usize;
    let data = pattern(size, 8);
    let src = write_file(dir.path(), "src.bin", size, 8);
    let id = client
        .initiate_multipart_upload(&bucket, "elsewhere.bin", &Default::default())
        .await
        .unwrap();
    client
        .upload_part(
            &bucket,
            "elsewhere.bin",
            &id,
            1,
            data[..PART as usize].to_vec(),
            false,
        )
        .await
        .unwrap();
    let opts = UploadOptions {
        upload_id: Some(id),
        checkpoint_dir: None,
        ..options(dir.path())
    };
    let out = client
        .upload(
            &bucket,
            "elsewhere.bin",
            UploadSource::File(src),
            &opts,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    assert_eq!(out.parts_reused, 1);
    assert_stored(&client, &bucket, "elsewhere.bin", &data).await;
}

#[tokio::test]
async fn buffers_streams_and_small_files() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    let cases: [(&str, usize); 3] = [
        ("small", 1000),
        ("exact", PART as usize),
        ("multi", 3 * PART as usize + 7),
    ];
    for (name, size) in cases {
        let data = pattern(size, 11);
        let key = format!("sources/{name}-bytes");
        let out = client
            .upload(
                &bucket,
                &key,
                UploadSource::Bytes(data.clone().into()),
                &opts,
                &TransferHandle::new(),
            )
            .await
            .unwrap();
        // Up to the threshold (here the part size) one PutObject, above it parts.
        let parts = if size as u64 > PART {
            (size as u64).div_ceil(PART)
        } else {
            1
        };
        assert_eq!(out.parts as u64, parts, "{name}");
        assert_stored(&client, &bucket, &key, &data).await;
        for known in [true, false] {
            let key = format!("sources/{name}-stream-{known}");
            let reader = Box::new(std::io::Cursor::new(data.clone()));
            let source = UploadSource::Reader {
                reader,
                size: known.then_some(size as u64),
            };
            client
                .upload(&bucket, &key, source, &opts, &TransferHandle::new())
                .await
                .unwrap();
            assert_stored(&client, &bucket, &key, &data).await;
        }
    }
}

/// Downloads `dl.bin` to the end with the checkpoint directory under `dir`.
async fn resumed_download(
    client: &Client,
    bucket: &str,
    dst: &Path,
    dir: &Path,
) -> ossdirect::transfer::DownloadOutput {
    client
        .download(
            bucket,
            "dl.bin",
            dst,
            &download_options(dir),
            &TransferHandle::new(),
        )
        .await
        .unwrap()
}

/// An emulator, a V4 client, the bucket, a scratch directory, and `dl.bin` stored with `size`
/// bytes of `pattern(size, seed)` (returned too).
async fn with_download_source(
    size: usize,
    seed: u8,
) -> (TestEmulator, Client, String, tempfile::TempDir, Vec<u8>) {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let data = pattern(size, seed);
    client
        .put_object(&bucket, "dl.bin", data.clone(), &Default::default())
        .await
        .unwrap();
    (emu, client, bucket, tempfile::tempdir().unwrap(), data)
}

/// Downloads `dl.bin` slowly and pauses it after `parts` ranges.
async fn paused_download(
    emu: &TestEmulator,
    client: &Client,
    dst: &Path,
    dir: &Path,
    parts: u32,
) -> ossdirect::Result<ossdirect::transfer::DownloadOutput> {
    download_until(emu, client, dst, dir, parts, |h| h.pause())
        .await
        .0
}

#[tokio::test]
async fn downloads_resume_and_restart_when_the_object_changes() {
    let size = 10 * PART as usize;
    let (emu, client, bucket, dir, first) = with_download_source(size, 21).await;
    let dst = dir.path().join("dl.bin");

    // Pause after a few ranges, then resume.
    let r = paused_download(&emu, &client, &dst, dir.path(), 3).await;
    assert!(matches!(r, Err(Error::Paused)), "{r:?}");
    assert!(!dst.exists(), "nothing at the destination until complete");
    let out = resumed_download(&client, &bucket, &dst, dir.path()).await;
    assert!(out.parts_reused >= 3, "{out:?}");
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&first));

    // The object changes between runs: the download starts over and gets the new bytes.
    std::fs::remove_file(&dst).unwrap();
    let _ = paused_download(&emu, &client, &dst, dir.path(), 2).await;
    let second = pattern(size, 22);
    client
        .put_object(&bucket, "dl.bin", second.clone(), &Default::default())
        .await
        .unwrap();
    let out = resumed_download(&client, &bucket, &dst, dir.path()).await;
    assert_eq!(out.parts_reused, 0);
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&second));

    // The checkpoint outlives the bytes it records (a power loss before the page cache was
    // written back): the ranges are checked on resume and fetched again.
    std::fs::remove_file(&dst).unwrap();
    let r = paused_download(&emu, &client, &dst, dir.path(), 3).await;
    assert!(matches!(r, Err(Error::Paused)), "{r:?}");
    let temp = dir.path().join(".dl.bin.ossdirect-download");
    std::fs::write(&temp, vec![0u8; size]).unwrap();
    let out = resumed_download(&client, &bucket, &dst, dir.path()).await;
    assert_eq!(out.parts_reused, 0, "{out:?}");
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&second));
}

/// Downloads `dl.bin` slowly; once `parts` ranges are done, `when_there` is called once (from the
/// progress callback) with the handle. Returns the result and how long after that call it came.
async fn download_until(
    emu: &TestEmulator,
    client: &Client,
    dst: &Path,
    dir: &Path,
    parts: u32,
    when_there: impl Fn(&TransferHandle) + Send + Sync + 'static,
) -> (
    ossdirect::Result<ossdirect::transfer::DownloadOutput>,
    Duration,
) {
    emu.add_faults(&["op=GetObject,kind=delay,ms=600"]).await;
    let handle = TransferHandle::new();
    let h = handle.clone();
    let at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let mark = at.clone();
    let mut opts = download_options(dir);
    opts.progress_interval = Duration::ZERO;
    opts.progress = Some(Arc::new(move |p: Progress| {
        let mut at = mark.lock().unwrap();
        if p.parts_done >= parts && at.is_none() {
            *at = Some(Instant::now());
            when_there(&h);
        }
    }));
    let result = client
        .download(&emu.info().bucket, "dl.bin", dst, &opts, &handle)
        .await;
    let took = at.lock().unwrap().map(|t| t.elapsed()).unwrap_or_default();
    emu.clear_faults().await;
    (result, took)
}

#[tokio::test]
async fn download_pause_and_cancel_are_prompt_and_a_change_mid_download_restarts_it() {
    let size = 10 * PART as usize;
    let (emu, client, bucket, dir, _) = with_download_source(size, 41).await;
    let dst = dir.path().join("dl.bin");
    let temp = dir.path().join(".dl.bin.ossdirect-download");
    let checkpoints = || {
        std::fs::read_dir(dir.path().join("checkpoints"))
            .unwrap()
            .count()
    };

    // Pause with ranges in flight: prompt; the temp file and the checkpoint stay.
    let (r, took) = download_until(&emu, &client, &dst, dir.path(), 2, |h| h.pause()).await;
    assert!(matches!(r, Err(Error::Paused)), "{r:?}");
    assert!(took < Duration::from_secs(1), "pause took {took:?}");
    assert!(temp.exists() && checkpoints() == 1 && !dst.exists());

    // Cancel: prompt; nothing is left behind.
    let (r, took) = download_until(&emu, &client, &dst, dir.path(), 1, |h| h.cancel()).await;
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(took < Duration::from_secs(1), "cancel took {took:?}");
    assert!(!temp.exists() && checkpoints() == 0 && !dst.exists());

    // The object is replaced while the download runs: the next ranges fail their If-Match,
    // and the download starts over once, ending with the new bytes.
    let second = pattern(size, 42);
    let (replaced_tx, replaced_rx) = tokio::sync::oneshot::channel::<()>();
    let replaced_tx = std::sync::Mutex::new(Some(replaced_tx));
    let replace = {
        let (client, bucket, second) = (client.clone(), bucket.clone(), second.clone());
        tokio::spawn(async move {
            if replaced_rx.await.is_ok() {
                client
                    .put_object(&bucket, "dl.bin", second, &Default::default())
                    .await
                    .unwrap();
            }
        })
    };
    let (r, _) = download_until(&emu, &client, &dst, dir.path(), 2, move |_| {
        if let Some(tx) = replaced_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
    })
    .await;
    replace.await.unwrap();
    let out = r.expect("restarted and completed");
    assert_eq!(
        out.etag,
        client
            .head_object(&bucket, "dl.bin", &Default::default())
            .await
            .unwrap()
            .etag
    );
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&second));
}

#[tokio::test]
async fn a_broken_range_continues_where_it_stopped() {
    let size = 8 << 20;
    let (emu, client, bucket, dir, data) = with_download_source(size, 51).await;
    // The first read stops half way; the retry asks only for the rest.
    emu.add_faults(&["op=GetObject,kind=truncate,nth=1"]).await;
    let before = emu.bytes_sent("GetObject").await;
    let dst = dir.path().join("dl.bin");
    let opts = DownloadOptions {
        part_size: size as u64,
        parallel: 1,
        checkpoint_dir: None,
        ..Default::default()
    };
    let out = client
        .download(&bucket, "dl.bin", &dst, &opts, &TransferHandle::new())
        .await
        .unwrap();
    assert_eq!(out.parts, 1);
    assert_eq!(
        emu.count("GetObject").await,
        2,
        "one broken read, one retry"
    );
    let sent = emu.bytes_sent("GetObject").await - before;
    // Half, plus at most one chunk the emulator read ahead, plus the other half.
    assert!(
        sent < size as u64 * 13 / 10,
        "{sent} bytes served for {size}: the retry started over"
    );
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&data));
}

#[tokio::test]
async fn an_outage_longer_than_the_retry_budget_ends_in_a_resumable_error() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("emulator-data");
    let emu = TestEmulator::start_with(|o| o.data_dir = data_dir.clone()).await;
    let addr: std::net::SocketAddr = emu
        .info()
        .oss_endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let bucket = emu.info().bucket.clone();
    let (id, secret) = (
        emu.info().access_key_id.clone(),
        emu.info().access_key_secret.clone(),
    );
    emu.add_faults(&["op=UploadPart,kind=delay,ms=300"]).await;
    let client = client(&emu, Duration::from_secs(2), 3);
    let size = 12 * PART as usize;
    let src = write_file(dir.path(), "src.bin", size, 31);
    let opts = UploadOptions {
        parallel: 2,
        ..options(dir.path())
    };

    // The server goes away after a few parts.
    let handle = TransferHandle::new();
    let upload = client.upload(
        &bucket,
        "outage.bin",
        UploadSource::File(src.clone()),
        &opts,
        &handle,
    );
    let outage = async move {
        tokio::time::sleep(Duration::from_millis(900)).await;
        emu.shutdown().await;
    };
    let started = Instant::now();
    let (result, ()) = tokio::join!(upload, outage);
    let err = result.expect_err("the upload cannot finish without a server");
    assert!(
        matches!(err.inner(), Error::Network(_) | Error::Timeout(_)),
        "typed error: {err}"
    );
    assert!(err.upload_id().is_some(), "names the upload kept: {err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "no hang: {:?}",
        started.elapsed()
    );
    let cp = read_checkpoint(&checkpoint_file(dir.path()));
    assert!(!cp.parts.is_empty(), "finished parts are kept");
    assert_eq!(err.upload_id(), Some(cp.upload_id.as_str()));

    // The server is back (same address, same data): the upload resumes where it stopped.
    let emu = TestEmulator::start_with(|o| {
        o.data_dir = data_dir.clone();
        o.listen = addr;
    })
    .await;
    assert_eq!(emu.info().access_key_id, id);
    let client = emu.client_with(SignatureVersion::V4, Credentials::new(&id, &secret));
    let out = client
        .upload(
            &bucket,
            "outage.bin",
            UploadSource::File(src),
            &opts,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    assert!(out.parts_reused as usize >= cp.parts.len(), "{out:?}");
    assert_stored(&client, &bucket, "outage.bin", &pattern(size, 31)).await;
}

#[tokio::test]
async fn progress_reports_bytes_within_parts_and_ends_at_the_total() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let size = 2 * 1024 * 1024 + 5;
    let src = write_file(dir.path(), "src.bin", size, 41);
    let seen = Arc::new(std::sync::Mutex::new(Vec::<Progress>::new()));
    let sink = seen.clone();
    let opts = UploadOptions {
        part_size: 1024 * 1024,
        parallel: 1,
        multipart_threshold: 1024 * 1024,
        progress_interval: Duration::ZERO,
        progress: Some(Arc::new(move |p: Progress| sink.lock().unwrap().push(p))),
        ..options(dir.path())
    };
    client
        .upload(
            &bucket,
            "progress.bin",
            UploadSource::File(src),
            &opts,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let last = *seen.last().unwrap();
    assert_eq!(
        (
            last.bytes_done,
            last.bytes_total,
            last.parts_done,
            last.parts_total
        ),
        (size as u64, size as u64, 3, 3)
    );
    let within = seen
        .iter()
        .filter(|p| p.bytes_done % (1024 * 1024) != 0 && p.bytes_done < size as u64)
        .count();
    assert!(
        within >= 10,
        "reports inside parts: {within} of {}",
        seen.len()
    );
    assert!(
        seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done),
        "monotonic without retries"
    );
}

/// A checkpoint whose digest is right but whose content is not (a part number or size out of
/// range: edited, or written by a buggy version) is dropped and the transfer starts over, instead
/// of failing on every resume (a download range 0 gave `Invalid argument`).
#[tokio::test]
async fn inconsistent_checkpoints_start_over() {
    use ossdirect::transfer::DownloadCheckpoint;
    let size = 6 * PART as usize;
    let (emu, client, bucket, dir, data) = with_download_source(size, 31).await;
    let dst = dir.path().join("dl.bin");
    let r = paused_download(&emu, &client, &dst, dir.path(), 2).await;
    assert!(matches!(r, Err(Error::Paused)), "{r:?}");
    let path = std::fs::read_dir(dir.path().join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("download-")
        })
        .expect("a download checkpoint");
    let mut cp = checkpoint::load::<DownloadCheckpoint>(&path)
        .unwrap()
        .unwrap()
        .unwrap();
    cp.parts.insert(0, 0);
    checkpoint::save(&path, &cp).unwrap();
    let out = resumed_download(&client, &bucket, &dst, dir.path()).await;
    assert_eq!(out.parts_reused, 0, "{out:?}");
    assert_eq!(sha256(&std::fs::read(&dst).unwrap()), sha256(&data));

    for damage in ["part 0", "past the end", "wrong size", "twice"] {
        let dir = tempfile::tempdir().unwrap();
        let src = write_file(dir.path(), "src.bin", size, 9);
        let key = "edge/inconsistent.bin";
        let (path, mut cp) = paused_upload(&emu, &client, dir.path(), key, &src).await;
        match damage {
            "part 0" => cp.parts[0].number = 0,
            "past the end" => cp.parts[0].number = 7,
            "wrong size" => cp.parts[0].size += 1,
            _ => {
                let again = cp.parts[0].clone();
                cp.parts.push(again);
            }
        }
        checkpoint::save(&path, &cp).unwrap();
        let out = client
            .upload(
                &bucket,
                key,
                UploadSource::File(src),
                &options(dir.path()),
                &TransferHandle::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("{damage}: {e}"));
        assert_eq!(out.parts_reused, 0, "{damage}");
        assert_stored(&client, &bucket, key, &pattern(size, 9)).await;
    }
}
