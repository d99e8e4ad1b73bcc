//! Descriptor and reader sources: uploads from them, resumed after a restart under the app's
//! identity, a changed source refused (`SourceChanged`), and bad sources (a pipe, a throwing or
//! panicking reader, one returning too much) ending in typed errors, never a crash.

use std::os::fd::IntoRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ossdirect_ffi::{
    OssError, SignatureVersion, SourceIdentity, SourceReader, TransferEvent, TransferState,
    UploadRequest, UploadSource,
};

use crate::common::{
    sha256, small_parts, wait_for_parts, wait_for_state, write_file, Recorder, Stack,
};

const MIB: u64 = 1024 * 1024;

fn identity(version: &str) -> SourceIdentity {
    SourceIdentity {
        name: "content://media/external/video/7".into(),
        version: version.into(),
    }
}

/// A descriptor the test hands over, as Android's `detachFd()` does.
fn descriptor(path: &std::path::Path, version: &str) -> UploadSource {
    let fd = std::fs::File::open(path).unwrap().into_raw_fd();
    UploadSource::Descriptor {
        fd,
        identity: identity(version),
    }
}

fn upload(bucket: &str, key: &str, source: UploadSource) -> UploadRequest {
    UploadRequest {
        bucket: bucket.into(),
        key: key.into(),
        source,
        put: None,
        options: small_parts(),
    }
}

/// Waits (bounded) until this process has no descriptor open on `path`.
async fn until_closed(path: &std::path::Path, what: &str) {
    let started = std::time::Instant::now();
    while descriptors_on(path) > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: {} descriptors still open",
            descriptors_on(path)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How many descriptors this process has open on `path`.
fn descriptors_on(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_descriptor_upload_resumes_after_a_restart_and_a_changed_source_is_refused() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let file = write_file(dir.path(), "video.mp4", 6 * MIB as usize, 3);
    let key = "users/alice/src/video.mp4";

    // The first "process": paused after a part, then everything dropped.
    {
        let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
        stack
            .emu
            .add_faults(&["op=UploadPart,kind=delay,ms=700"])
            .await;
        let transfer = client
            .start_upload(upload(&bucket, key, descriptor(&file, "v1")), None)
            .unwrap();
        wait_for_parts(&transfer, 1, Duration::from_secs(20)).await;
        client.pause_all_and_close();
        wait_for_state(&transfer, TransferState::Paused, Duration::from_secs(3)).await;
        stack.emu.clear_faults().await;
    }

    let client = stack.alice_client(SignatureVersion::V4, Some(&checkpoints));
    let pending = client.pending_transfers().await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:#?}");
    let record = pending[0].clone();
    assert_eq!(
        record.source_name.as_deref(),
        Some(identity("").name.as_str())
    );
    assert_eq!(record.local_path, None);
    assert!(record.created.is_some());

    // Without the source it cannot resume; with another version it is refused, kept intact.
    let missing = client.resume_transfer(record.clone(), None, None).err();
    assert!(
        matches!(missing, Some(OssError::InvalidArgument { .. })),
        "{missing:?}"
    );
    let changed = client
        .resume_transfer(record.clone(), Some(descriptor(&file, "v2")), None)
        .unwrap()
        .result()
        .await;
    assert!(
        matches!(changed, Err(OssError::SourceChanged { .. })),
        "{changed:?}"
    );
    assert_eq!(client.pending_transfers().await.unwrap().len(), 1);

    // The same version resumes and sends only the rest.
    let result = client
        .resume_transfer(record, Some(descriptor(&file, "v1")), None)
        .unwrap()
        .result()
        .await
        .unwrap();
    assert!(result.parts_reused >= 1, "{result:?}");
    let back = client.get_object(bucket, key.into()).await.unwrap();
    assert_eq!(sha256(&back), sha256(&std::fs::read(&file).unwrap()));
    assert!(client.pending_transfers().await.unwrap().is_empty());
    // Every descriptor handed over was closed: the first run's (its task ended once nobody could
    // resume it), the refused one's (replaced by the resume) and the resumed one's.
    until_closed(&file, "descriptors handed over").await;
    stack.stop().await;
}

/// The app's reader: bytes in memory, or a failure of the kind asked.
struct TestReader {
    bytes: Vec<u8>,
    fail: Failure,
    calls: AtomicU64,
}

#[derive(PartialEq)]
enum Failure {
    None,
    Throw,
    Panic,
    TooMuch,
}

impl SourceReader for TestReader {
    fn read_at(&self, offset: u64, len: u32) -> Result<Vec<u8>, OssError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.fail {
            Failure::Throw => Err(OssError::Io {
                path: None,
                reason: "the photo library said no".into(),
            }),
            Failure::Panic => panic!("reader bug"),
            Failure::TooMuch => Ok(vec![0; len as usize + 1]),
            Failure::None => {
                let start = (offset as usize).min(self.bytes.len());
                let end = (start + len as usize).min(self.bytes.len());
                Ok(self.bytes[start..end].to_vec())
            }
        }
    }
}

fn reader_source(bytes: Vec<u8>, fail: Failure) -> (Arc<TestReader>, UploadSource) {
    let reader = Arc::new(TestReader {
        bytes,
        fail,
        calls: AtomicU64::new(0),
    });
    let source = UploadSource::Reader {
        reader: reader.clone(),
        size: 3 * MIB,
        identity: identity("v1"),
    };
    (reader, source)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_sources_upload_and_their_failures_are_typed_errors() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let client = stack.alice_client(SignatureVersion::V1, None);

    let data: Vec<u8> = (0..3 * MIB).map(|i| (i % 251) as u8).collect();
    let (reader, source) = reader_source(data.clone(), Failure::None);
    let key = "users/alice/src/reader.bin";
    // One part is refused once: it is read again from the reader, and the listener hears why.
    stack
        .emu
        .add_faults(&["op=UploadPart,kind=status,status=503,nth=2"])
        .await;
    let recorder = Arc::new(Recorder::default());
    client
        .start_upload(upload(&bucket, key, source), Some(recorder.clone()))
        .unwrap()
        .result()
        .await
        .unwrap();
    stack.emu.clear_faults().await;
    assert!(reader.calls.load(Ordering::SeqCst) >= 3);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events = recorder.events.lock().unwrap().clone();
    assert!(
        // The 503 answer, or the broken pipe of a body the server stopped reading early.
        events
            .iter()
            .any(|e| matches!(e, TransferEvent::Retrying { attempt: 1, .. })),
        "{events:?}"
    );
    let back = client.get_object(bucket.clone(), key.into()).await.unwrap();
    assert_eq!(sha256(&back), sha256(&data));

    for (fail, expect) in [
        (Failure::Throw, "the photo library said no"),
        (Failure::Panic, "reader bug"),
        (Failure::TooMuch, "were asked"),
    ] {
        let (_, source) = reader_source(Vec::new(), fail);
        let result = client
            .start_upload(upload(&bucket, "users/alice/src/bad.bin", source), None)
            .unwrap()
            .result()
            .await;
        match result {
            Err(OssError::Io { reason, .. }) => assert!(reason.contains(expect), "{reason}"),
            other => panic!("{expect}: {other:?}"),
        }
    }

    // A pipe cannot be read at offsets: refused at once, and closed.
    let (read_end, _write_end) = std::io::pipe().unwrap();
    let fd = read_end.into_raw_fd();
    let refused = client.start_upload(
        upload(
            &bucket,
            "users/alice/src/pipe.bin",
            UploadSource::Descriptor {
                fd,
                identity: identity("v1"),
            },
        ),
        None,
    );
    assert!(matches!(refused, Err(OssError::InvalidArgument { .. })));
    assert!(!std::path::Path::new(&format!("/proc/self/fd/{fd}")).exists());
    stack.stop().await;
}
