//! Restarting on the same data directory keeps keys, objects, uploads and STS tokens.

use std::time::Duration;

use ossdirect::sts::{AssumeRoleRequest, StsClient};
use ossdirect::{GetObjectOptions, SignatureVersion};
use ossdirect_emulator::{Emulator, EmulatorOptions};

use crate::common::Harness;

/// A new emulator on the data directory a stopped one used.
async fn restart_in(dir: tempfile::TempDir) -> Harness {
    let emulator = Emulator::start(EmulatorOptions {
        data_dir: dir.path().to_owned(),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    Harness {
        emulator,
        dir,
        http: reqwest::Client::new(),
    }
}

#[tokio::test]
async fn restart_keeps_everything() {
    let h = Harness::start().await;
    let first = h.info().clone();
    let client = h.client(h.user(), SignatureVersion::V4);
    client
        .put_object(&first.bucket, "kept.txt", "still here", &Default::default())
        .await
        .unwrap();
    let upload_id = client
        .initiate_multipart_upload(&first.bucket, "pending.bin", &Default::default())
        .await
        .unwrap();
    client
        .upload_part(
            &first.bucket,
            "pending.bin",
            &upload_id,
            1,
            vec![1u8; 10],
            false,
        )
        .await
        .unwrap();
    let joined_id = client
        .initiate_multipart_upload(&first.bucket, "joined.bin", &Default::default())
        .await
        .unwrap();
    let mut joined_parts = Vec::new();
    for n in 1..=2u32 {
        let part = client
            .upload_part(
                &first.bucket,
                "joined.bin",
                &joined_id,
                n,
                vec![n as u8; 100 * 1024],
                false,
            )
            .await
            .unwrap();
        joined_parts.push(part);
    }
    client
        .complete_multipart_upload(
            &first.bucket,
            "joined.bin",
            &joined_id,
            &joined_parts,
            &Default::default(),
        )
        .await
        .unwrap();
    let sts = StsClient::new(&first.sts_endpoint, h.user(), Duration::from_secs(5)).unwrap();
    let session = sts
        .assume_role(&AssumeRoleRequest {
            role_arn: first.role_arn.clone(),
            role_session_name: "restart".into(),
            duration_seconds: 900,
            policy: None,
            external_id: None,
        })
        .await
        .unwrap()
        .credentials;

    let Harness { emulator, dir, .. } = h;
    emulator.shutdown().await;
    // A data file no object names (as a crash between linking and the metadata swap leaves).
    let orphan = dir
        .path()
        .join("buckets")
        .join(&first.bucket)
        .join("objects")
        .join("0000.orphan.0.data");
    std::fs::write(&orphan, b"left behind").unwrap();
    let h = restart_in(dir).await;
    let second = h.info();
    assert_eq!(second.access_key_id, first.access_key_id);
    assert_eq!(second.access_key_secret, first.access_key_secret);
    assert_eq!(second.account_id, first.account_id);
    assert_eq!(second.role_arn, first.role_arn);

    let client = h.client(session, SignatureVersion::V1);
    let got = client
        .get_object(&second.bucket, "kept.txt", &GetObjectOptions::default())
        .await
        .expect("the STS token survives a restart");
    assert_eq!(got.body.as_ref(), b"still here");
    assert!(!orphan.exists(), "unnamed data files are removed at start");
    let joined = client
        .get_object(&second.bucket, "joined.bin", &GetObjectOptions::default())
        .await
        .expect("a completed multipart object survives a restart");
    assert_eq!(joined.body.len(), 200 * 1024);
    assert!(joined.body[..100 * 1024].iter().all(|b| *b == 1));
    assert!(joined.body[100 * 1024..].iter().all(|b| *b == 2));
    let parts = client
        .list_parts(&second.bucket, "pending.bin", &upload_id)
        .await
        .unwrap();
    assert_eq!(parts.len(), 1);
}

#[tokio::test]
async fn buckets_created_at_run_time_survive_a_restart() {
    use crate::common::Raw;
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "buckets = [\"declared-once\"]").unwrap();
    let h = Harness::start_with(|o| o.config_file = Some(config.path().to_owned())).await;
    let user = h.user();
    let v4 = SignatureVersion::V4;
    for name in ["made-at-run-time", "made-then-deleted"] {
        let r = Raw::new("PUT", name, None)
            .header("x-oss-acl", "public-read")
            .send(&h, &user, v4)
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
    let r = Raw::new("PUT", "made-at-run-time", Some("k"))
        .body("in a new bucket")
        .send(&h, &user, v4)
        .await;
    assert_eq!(r.status(), 200);
    let r = Raw::new("DELETE", "made-then-deleted", None)
        .send(&h, &user, v4)
        .await;
    assert_eq!(r.status(), 204);

    let Harness { emulator, dir, .. } = h;
    emulator.shutdown().await;
    let h = restart_in(dir).await;
    let got = Raw::new("GET", "made-at-run-time", Some("k"))
        .text(&h, &user, v4)
        .await;
    assert_eq!(got, "in a new bucket");
    let acl = Raw::new("GET", "made-at-run-time", None)
        .query("acl", None)
        .text(&h, &user, v4)
        .await;
    assert!(acl.contains("<Grant>public-read</Grant>"), "{acl}");
    let r = Raw::new("GET", "made-then-deleted", None)
        .send(&h, &user, v4)
        .await;
    assert_eq!(r.status(), 404, "a deleted bucket stays deleted");
    let r = Raw::new("GET", "declared-once", None)
        .send(&h, &user, v4)
        .await;
    assert_eq!(
        r.status(),
        404,
        "a bucket the config no longer declares is gone"
    );
}

/// `state.json` holds the token key and the RAM secrets: 0600, in a 0700 data directory, also
/// when an earlier version left them world-readable.
#[cfg(unix)]
#[tokio::test]
async fn state_and_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for round in 0..2 {
        let emulator = Emulator::start(EmulatorOptions {
            data_dir: data.clone(),
            ..EmulatorOptions::default()
        })
        .await
        .unwrap();
        assert_eq!(mode(&data), 0o700, "round {round}");
        assert_eq!(mode(&data.join("state.json")), 0o600, "round {round}");
        emulator.shutdown().await;
        let open = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(data.join("state.json"), open).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
