//! The registry after a simulated restart: everything dropped, a new client lists, resumes and
//! discards; broken checkpoints are listed and discardable, never a crash.

use std::time::Duration;

use ossdirect_ffi::{
    DownloadRequest, SignatureVersion, TransferKind, TransferState, UploadRequest, UploadSource,
};

use crate::common::{
    sha256, small_parts, uploads_in_progress, wait_for_parts, wait_for_state, write_file, Stack,
};

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_transfers_are_listed_resumed_and_discarded() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let keep = write_file(dir.path(), "keep.bin", 5 * MIB as usize, 6);
    let drop_me = write_file(dir.path(), "drop.bin", 5 * MIB as usize, 7);

    // A previous "process": an upload, an upload to discard and a download, all paused.
    {
        let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
        client
            .put_object(
                bucket.clone(),
                "users/alice/reg/src.bin".into(),
                vec![9; 8 * MIB as usize],
                None,
            )
            .await
            .unwrap();
        stack
            .emu
            .add_faults(&[
                "op=UploadPart,kind=delay,ms=1000",
                "op=GetObject,kind=delay,ms=1000",
            ])
            .await;
        let mut started = Vec::new();
        for (file, key) in [
            (&keep, "users/alice/reg/keep.bin"),
            (&drop_me, "users/alice/reg/drop.bin"),
        ] {
            let request = UploadRequest {
                bucket: bucket.clone(),
                key: key.into(),
                source: UploadSource::File {
                    path: file.to_string_lossy().into(),
                },
                put: None,
                options: small_parts(),
            };
            started.push(client.start_upload(request, None).unwrap());
        }
        let download = DownloadRequest {
            bucket: bucket.clone(),
            key: "users/alice/reg/src.bin".into(),
            path: dir.path().join("src.bin").to_string_lossy().into(),
            options: small_parts(),
        };
        started.push(client.start_download(download, None).unwrap());
        for t in &started {
            wait_for_parts(t, 1, Duration::from_secs(20)).await;
        }
        client.pause_all_and_close();
        for t in &started {
            wait_for_state(t, TransferState::Paused, Duration::from_secs(3)).await;
        }
    }
    stack.emu.clear_faults().await;
    // A foreign file and a corrupt checkpoint sit beside them.
    std::fs::write(checkpoints.join("notes.txt"), "not a checkpoint").unwrap();
    std::fs::write(checkpoints.join("upload-0123456789abcdef.json"), "{garbage").unwrap();

    let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let pending = client.pending_transfers().await.unwrap();
    assert_eq!(pending.len(), 4, "{pending:#?}");
    let broken: Vec<_> = pending.iter().filter(|p| p.problem.is_some()).collect();
    assert_eq!(broken.len(), 1);
    assert!(client
        .resume_transfer(broken[0].clone(), None, None)
        .is_err());
    client.discard_transfer(broken[0].id.clone()).await.unwrap();

    let find = |key: &str| pending.iter().find(|p| p.key == key).cloned().unwrap();
    let kept = find("users/alice/reg/keep.bin");
    assert_eq!(kept.kind, TransferKind::Upload);
    assert_eq!(kept.total_bytes, 5 * MIB);
    assert!(kept.bytes_done >= MIB && kept.upload_id.is_some() && kept.updated.is_some());

    let result = client
        .resume_transfer(kept, None, None)
        .unwrap()
        .result()
        .await
        .unwrap();
    assert!(result.parts_reused >= 1);
    let back = client
        .get_object(bucket.clone(), "users/alice/reg/keep.bin".into())
        .await
        .unwrap();
    assert_eq!(sha256(&back), sha256(&std::fs::read(&keep).unwrap()));

    let download = find("users/alice/reg/src.bin");
    assert_eq!(download.kind, TransferKind::Download);
    let result = client
        .resume_transfer(download, None, None)
        .unwrap()
        .result()
        .await
        .unwrap();
    assert_eq!(result.size, 8 * MIB);
    assert!(result.parts_reused >= 1);

    let dropped = find("users/alice/reg/drop.bin");
    client.discard_transfer(dropped.id).await.unwrap();
    assert_eq!(uploads_in_progress(&stack, "users/alice/reg/").await, 0);
    assert!(client.pending_transfers().await.unwrap().is_empty());
    stack.stop().await;
}
