//! Transfers through the ffi: start, progress, pause, resume, cancel (also before anyone
//! awaits), freeing the object, closing the client, tokens expiring mid-transfer.

use std::sync::Arc;
use std::time::Duration;

use ossdirect_ffi::{
    DownloadRequest, OssError, SignatureVersion, TransferEvent, TransferOptions, TransferState,
    UploadRequest, UploadSource,
};

use crate::common::{
    sha256, slow_parts, uploads_in_progress, wait_for_bytes, wait_for_parts, wait_for_state,
    write_file, Recorder, Stack,
};

const MIB: u64 = 1024 * 1024;

fn small_parts() -> Option<TransferOptions> {
    Some(TransferOptions {
        part_size: MIB,
        parallel: 2,
        multipart_threshold: MIB,
        progress_interval_ms: 0,
        ..TransferOptions::default()
    })
}

fn upload(bucket: &str, key: &str, path: &std::path::Path) -> UploadRequest {
    UploadRequest {
        bucket: bucket.into(),
        key: key.into(),
        source: UploadSource::File {
            path: path.to_string_lossy().into(),
        },
        put: None,
        options: small_parts(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_report_progress_pause_resume_and_download_back() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let file = write_file(dir.path(), "big.bin", 12 * MIB as usize + 5, 1);
    let key = "users/alice/transfers/big.bin";

    slow_parts(&stack).await;
    let recorder = Arc::new(Recorder::default());
    let transfer = client
        .start_upload(upload(&bucket, key, &file), Some(recorder.clone()))
        .unwrap();
    assert!(transfer.id().starts_with("upload-"), "{}", transfer.id());
    wait_for_parts(&transfer, 2, Duration::from_secs(20)).await;
    transfer.pause();
    transfer.pause(); // idempotent
    wait_for_state(&transfer, TransferState::Paused, Duration::from_secs(3)).await;
    let paused_at = transfer.snapshot().bytes_done;
    assert!(paused_at < 12 * MIB, "paused mid-way at {paused_at}");
    stack.emu.clear_faults().await;

    transfer.resume();
    let result = transfer.result().await.unwrap();
    assert_eq!(result.size, 12 * MIB + 5);
    assert_eq!(result.parts, 13);
    assert!(
        result.parts_reused >= 2,
        "resume reused the parts sent before the pause"
    );
    let snapshot = transfer.snapshot();
    assert_eq!(snapshot.state, TransferState::Completed);
    assert_eq!(snapshot.bytes_done, snapshot.bytes_total);

    // The listener heard the whole story, on SDK threads, with progress that never went back
    // within a run and ended at the size.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let states = recorder.states.lock().unwrap().clone();
    assert!(states.contains(&TransferState::Running) && states.contains(&TransferState::Paused));
    assert_eq!(states.last(), Some(&TransferState::Completed));
    let progress = recorder.progress.lock().unwrap().clone();
    assert_eq!(progress.last(), Some(&(12 * MIB + 5)));
    let resumed_at = progress.iter().rposition(|&b| b <= paused_at).unwrap_or(0);
    assert!(
        progress[resumed_at..].windows(2).all(|w| w[0] <= w[1]),
        "{progress:?}"
    );
    let events = recorder.events.lock().unwrap().clone();
    let mut finished: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            TransferEvent::PartFinished { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    finished.sort_unstable();
    finished.dedup();
    assert_eq!(finished, (1..=13).collect::<Vec<u32>>(), "{events:?}");
    let caller = std::thread::current().name().unwrap_or("").to_owned();
    assert!(recorder
        .threads
        .lock()
        .unwrap()
        .iter()
        .all(|t| *t != caller));

    // Download it back as a transfer, and check the bytes.
    let target = dir.path().join("back.bin");
    let download = client
        .start_download(
            DownloadRequest {
                bucket: bucket.clone(),
                key: key.into(),
                path: target.to_string_lossy().into(),
                options: small_parts(),
            },
            None,
        )
        .unwrap();
    let result = download.result().await.unwrap();
    assert_eq!(result.size, 12 * MIB + 5);
    assert_eq!(
        sha256(&std::fs::read(&target).unwrap()),
        sha256(&std::fs::read(&file).unwrap())
    );
    assert!(
        client.pending_transfers().await.unwrap().is_empty(),
        "nothing left pending"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_leaves_nothing_even_before_anyone_awaits() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let file = write_file(dir.path(), "c.bin", 6 * MIB as usize, 2);

    // Cancelled in the same breath as it started: it must never run.
    let key = "users/alice/cancel/early.bin";
    let transfer = client
        .start_upload(upload(&bucket, key, &file), None)
        .unwrap();
    transfer.cancel();
    assert!(matches!(transfer.result().await, Err(OssError::Cancelled)));
    assert_eq!(transfer.snapshot().state, TransferState::Cancelled);
    assert_eq!(uploads_in_progress(&stack, "users/alice/cancel/").await, 0);
    let head = client
        .head_object(bucket.clone(), key.into())
        .await
        .unwrap_err();
    assert!(matches!(head, OssError::Service { status: 404, .. }));

    // Cancelled mid-way: the multipart upload is aborted and the checkpoint forgotten.
    slow_parts(&stack).await;
    let key = "users/alice/cancel/mid.bin";
    let transfer = client
        .start_upload(upload(&bucket, key, &file), None)
        .unwrap();
    wait_for_bytes(&transfer, MIB, Duration::from_secs(20)).await;
    assert_eq!(uploads_in_progress(&stack, "users/alice/cancel/").await, 1);
    transfer.cancel();
    transfer.cancel();
    assert!(matches!(transfer.result().await, Err(OssError::Cancelled)));
    assert_eq!(uploads_in_progress(&stack, "users/alice/cancel/").await, 0);

    // Paused, then cancelled while paused: the same.
    let transfer = client
        .start_upload(upload(&bucket, key, &file), None)
        .unwrap();
    wait_for_bytes(&transfer, MIB, Duration::from_secs(20)).await;
    transfer.pause();
    wait_for_state(&transfer, TransferState::Paused, Duration::from_secs(3)).await;
    assert_eq!(client.pending_transfers().await.unwrap().len(), 1);
    transfer.cancel();
    assert!(matches!(transfer.result().await, Err(OssError::Cancelled)));
    assert_eq!(uploads_in_progress(&stack, "users/alice/cancel/").await, 0);
    assert!(client.pending_transfers().await.unwrap().is_empty());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freed_transfer_goes_on_and_closing_its_client_pauses_it() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let file = write_file(dir.path(), "f.bin", 3 * MIB as usize, 4);

    // Nobody holds the transfer: it still completes.
    let key = "users/alice/freed.bin";
    drop(
        client
            .start_upload(upload(&bucket, key, &file), None)
            .unwrap(),
    );
    let mut found = false;
    for _ in 0..200 {
        if client.head_object(bucket.clone(), key.into()).await.is_ok() {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "the freed transfer completed");

    // The client lists what it runs; closing it pauses them (resumable).
    slow_parts(&stack).await;
    let transfer = client
        .start_upload(upload(&bucket, "users/alice/closed.bin", &file), None)
        .unwrap();
    wait_for_parts(&transfer, 1, Duration::from_secs(20)).await;
    let active = client.active_transfers();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].id(), transfer.id());
    client.pause_all_and_close();
    wait_for_state(&transfer, TransferState::Paused, Duration::from_secs(3)).await;
    stack.emu.clear_faults().await;

    // A new client finds it and finishes it.
    let again = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let pending = again.pending_transfers().await.unwrap();
    assert_eq!(pending.len(), 1);
    let resumed = again
        .resume_transfer(pending[0].clone(), None, None)
        .unwrap();
    assert_eq!(resumed.id(), transfer.id());
    let result = resumed.result().await.unwrap();
    assert!(result.parts_reused >= 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expiring_mid_transfer_are_refreshed() {
    // The emulator's STS caps credentials at 3 s; the upload takes longer.
    let stack = Stack::start_with(|o| o.sts_max_lifetime = Some(3)).await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let client = stack.alice_client(SignatureVersion::V4, None);
    let file = write_file(dir.path(), "t.bin", 8 * MIB as usize, 5);
    stack
        .emu
        .add_faults(&["op=UploadPart,kind=delay,ms=700"])
        .await;
    let assumed_before = stack.emu.count("AssumeRole").await;
    let transfer = client
        .start_upload(upload(&bucket, "users/alice/long.bin", &file), None)
        .unwrap();
    let result = transfer.result().await.unwrap();
    assert_eq!(result.size, 8 * MIB);
    assert!(
        stack.emu.count("AssumeRole").await - assumed_before >= 2,
        "credentials were refreshed"
    );
    stack.stop().await;
}
