//! Uploads from sources the app supplies (a descriptor, a callback): resumable under the app's
//! name for them, refused with `SourceChanged` when a resume finds another version, and listed
//! by the registry with their name, start time and last error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ossdirect::transfer::{
    registry, AppSource, Progress, ReadAt, TransferHandle, UploadOptions, UploadSource,
};
use ossdirect::{crc64, Error, GetObjectOptions, RetryPolicy, SignatureVersion};
use ossdirect_tests::{pattern, TestEmulator};

const PART: u64 = 128 * 1024;

/// An app's source: bytes in memory, read at offsets, counting the bytes handed out.
struct AppBytes {
    bytes: Vec<u8>,
    read: AtomicU64,
}

impl ReadAt for AppBytes {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = (offset as usize).min(self.bytes.len());
        let n = buf.len().min(self.bytes.len() - start);
        buf[..n].copy_from_slice(&self.bytes[start..start + n]);
        self.read.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
}

fn source(bytes: &Arc<AppBytes>, version: &str) -> UploadSource {
    UploadSource::At {
        reader: bytes.clone(),
        size: bytes.bytes.len() as u64,
        identity: AppSource {
            name: "content://media/external/images/42".into(),
            version: version.into(),
        },
    }
}

fn options(dir: &Path) -> UploadOptions {
    UploadOptions {
        part_size: PART,
        parallel: 2,
        multipart_threshold: PART,
        checkpoint_dir: Some(dir.to_path_buf()),
        progress_interval: Duration::ZERO,
        ..Default::default()
    }
}

/// Uploads `source` and pauses once `parts` parts are done.
async fn paused_after(
    client: &ossdirect::Client,
    bucket: &str,
    key: &str,
    source: UploadSource,
    mut options: UploadOptions,
    parts: u32,
) -> ossdirect::Result<ossdirect::transfer::UploadOutput> {
    let handle = TransferHandle::new();
    let h = handle.clone();
    options.progress = Some(Arc::new(move |p: Progress| {
        if p.parts_done >= parts {
            h.pause();
        }
    }));
    client.upload(bucket, key, source, &options, &handle).await
}

#[tokio::test]
async fn an_app_source_resumes_by_name_and_a_changed_version_is_refused_not_mixed() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(9 * PART as usize + 77, 5);
    let app = Arc::new(AppBytes {
        bytes: data.clone(),
        read: AtomicU64::new(0),
    });
    let key = "app/photo.jpg";

    emu.add_faults(&["op=UploadPart,kind=delay,ms=400"]).await;
    let paused = paused_after(
        &client,
        &bucket,
        key,
        source(&app, "v1"),
        options(dir.path()),
        3,
    )
    .await;
    assert!(matches!(paused, Err(Error::Paused)), "{paused:?}");
    emu.clear_faults().await;

    // After a restart the registry names the app's source, not a path.
    let pending = registry::list(dir.path()).unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let entry = &pending[0];
    assert_eq!(
        entry.source_name.as_deref(),
        Some("content://media/external/images/42")
    );
    assert_eq!(entry.local_path, None);
    assert!(
        entry.created.is_some() && entry.last_error.is_none(),
        "{entry:?}"
    );
    assert!(entry.bytes_done >= 3 * PART, "{entry:?}");

    // Resumed with another version: refused, and nothing is lost or mixed.
    let parts_before = emu.count("UploadPart").await;
    let resume = UploadOptions {
        refuse_changed_source: true,
        ..options(dir.path())
    };
    let refused = client
        .upload(
            &bucket,
            key,
            source(&app, "v2"),
            &resume,
            &TransferHandle::new(),
        )
        .await;
    assert!(
        matches!(refused, Err(Error::SourceChanged(_))),
        "{refused:?}"
    );
    assert_eq!(emu.count("UploadPart").await, parts_before, "nothing sent");
    let still = registry::find(dir.path(), &entry.id)
        .unwrap()
        .expect("kept");
    assert_eq!(still.upload_id, entry.upload_id);

    // Resumed with the same version: only the rest is sent.
    let out = client
        .upload(
            &bucket,
            key,
            source(&app, "v1"),
            &resume,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    assert!(out.parts_reused >= 3, "{out:?}");
    assert_eq!(out.crc64, Some(crc64::checksum(&data)));
    let stored = client
        .get_object(&bucket, key, &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(stored.body, data);
    assert!(registry::list(dir.path()).unwrap().is_empty());

    // A new upload (not a resume) of a new version starts over instead.
    let paused = paused_after(
        &client,
        &bucket,
        key,
        source(&app, "v3"),
        options(dir.path()),
        1,
    )
    .await;
    assert!(matches!(paused, Err(Error::Paused)), "{paused:?}");
    let out = client
        .upload(
            &bucket,
            key,
            source(&app, "v4"),
            &options(dir.path()),
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    assert_eq!(out.parts_reused, 0);
}

#[tokio::test]
async fn a_failed_upload_leaves_its_error_in_the_registry() {
    let emu = TestEmulator::start().await;
    let client = ossdirect::Client::builder(&emu.info().region)
        .endpoint(ossdirect::Endpoint::parse(&emu.info().oss_endpoint).unwrap())
        .credentials_provider(Arc::new(ossdirect::StaticProvider::new(
            ossdirect::Credentials::new(&emu.info().access_key_id, &emu.info().access_key_secret),
        )))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let bucket = emu.info().bucket.clone();
    let dir = tempfile::tempdir().unwrap();
    let app = Arc::new(AppBytes {
        bytes: pattern(4 * PART as usize, 8),
        read: AtomicU64::new(0),
    });
    emu.add_faults(&["op=UploadPart,kind=status,status=503,nth=2"])
        .await;
    let failed = client
        .upload(
            &bucket,
            "app/fails.bin",
            source(&app, "v1"),
            &options(dir.path()),
            &TransferHandle::new(),
        )
        .await;
    assert!(
        failed.as_ref().err().and_then(Error::upload_id).is_some(),
        "{failed:?}"
    );
    let pending = registry::list(dir.path()).unwrap();
    let error = pending[0].last_error.as_deref().unwrap_or_default();
    assert!(error.contains("503"), "{pending:?}");
    assert!(app.read.load(Ordering::SeqCst) > 0);
}

#[tokio::test]
async fn a_retried_part_reads_its_section_again_and_lands_intact() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V1);
    let bucket = emu.info().bucket.clone();
    let part = 1024 * 1024;
    let data = pattern(4 * part as usize, 12);
    let app = Arc::new(AppBytes {
        bytes: data.clone(),
        read: AtomicU64::new(0),
    });
    emu.add_faults(&[
        "op=UploadPart,kind=corrupt,nth=2",
        "op=UploadPart,kind=reset,nth=3",
    ])
    .await;
    let parts_before = emu.count("UploadPart").await;
    let options = UploadOptions {
        part_size: part,
        multipart_threshold: part,
        parallel: 2,
        ..Default::default()
    };
    let out = client
        .upload(
            &bucket,
            "app/retried.bin",
            source(&app, "v1"),
            &options,
            &TransferHandle::new(),
        )
        .await
        .unwrap();
    emu.clear_faults().await;
    assert_eq!(out.crc64, Some(crc64::checksum(&data)));
    assert_eq!(emu.count("UploadPart").await - parts_before, 4 + 2);
    let stored = client
        .get_object(&bucket, "app/retried.bin", &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(stored.body, data);
    // Each retry read its part from the source again (the corrupted one whole, the reset one
    // whole after a partial first read); nothing was kept in memory to resend.
    let read = app.read.load(Ordering::SeqCst);
    let size = data.len() as u64;
    assert!(
        read >= size + part && read <= size + 2 * part,
        "read {read} bytes for a {size}-byte upload"
    );
}
