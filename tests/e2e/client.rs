//! The SDK's client against the emulator over loopback HTTP: every operation, V1 and V4.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use ossdirect::api::{CompleteOptions, UploadedPart};
use ossdirect::crc64;
use ossdirect::{Credentials, Error, GetObjectOptions, PutObjectOptions, SignatureVersion};
use ossdirect_tests::{pattern, TestEmulator};
use reqwest::Method;

const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V1, SignatureVersion::V4];
/// Keys OSS users really have: spaces, unicode, `+`, `%`, `~`, `/`, `?`, `#`, `=` and `&`.
const KEYS: [&str; 4] = [
    "plain.txt",
    "dir/sub dir/a b+c%20~.txt",
    "unicode/中文 ü.bin",
    "q?x#y=z&w",
];

#[tokio::test]
async fn object_operations_with_both_signature_versions() {
    let emu = TestEmulator::start().await;
    let bucket = emu.info().bucket.clone();
    for version in VERSIONS {
        let client = emu.client(version);
        for (i, key) in KEYS.iter().enumerate() {
            let key = format!("{version}/{key}");
            let body = pattern(10_000 + i, i as u8);
            let options = PutObjectOptions {
                content_type: Some("application/x-test".into()),
                content_md5: true,
                metadata: vec![("owner".into(), "alice".into())],
                ..Default::default()
            };
            let put = client
                .put_object(&bucket, &key, body.clone(), &options)
                .await
                .unwrap();
            assert_eq!(put.crc64, Some(crc64::checksum(&body)), "{key}");
            assert!(
                put.etag.starts_with('"') && put.etag.len() == 34,
                "{}",
                put.etag
            );

            let head = client
                .head_object(&bucket, &key, &GetObjectOptions::default())
                .await
                .unwrap();
            assert_eq!(head.content_length, body.len() as u64);
            assert_eq!(head.etag, put.etag);
            assert_eq!(head.content_type, "application/x-test");
            assert_eq!(head.object_type, "Normal");
            assert_eq!(
                head.metadata,
                vec![("owner".to_owned(), "alice".to_owned())]
            );

            let got = client
                .get_object(&bucket, &key, &GetObjectOptions::default())
                .await
                .unwrap();
            assert_eq!(got.body, body);

            let ranged = GetObjectOptions {
                range: Some((100, Some(199))),
                ..Default::default()
            };
            let got = client.get_object(&bucket, &key, &ranged).await.unwrap();
            assert_eq!(got.body, body[100..200]);
            assert_eq!(
                got.content_range.as_deref(),
                Some(format!("bytes 100-199/{}", body.len()).as_str())
            );
            let tail = GetObjectOptions {
                range: Some((9_990, None)),
                ..Default::default()
            };
            let got = client.get_object(&bucket, &key, &tail).await.unwrap();
            assert_eq!(got.body, body[9_990..]);

            let unchanged = GetObjectOptions {
                if_none_match: Some(put.etag.clone()),
                ..Default::default()
            };
            let got = client.get_object(&bucket, &key, &unchanged).await.unwrap();
            assert!(got.not_modified && got.body.is_empty());
            let changed = GetObjectOptions {
                if_match: Some("\"0000\"".into()),
                ..Default::default()
            };
            let err = client
                .get_object(&bucket, &key, &changed)
                .await
                .unwrap_err();
            assert_eq!(err.code(), Some("PreconditionFailed"), "{err}");

            client.delete_object(&bucket, &key).await.unwrap();
            let err = client
                .get_object(&bucket, &key, &GetObjectOptions::default())
                .await
                .unwrap_err();
            assert_eq!(err.code(), Some("NoSuchKey"), "{err}");
            // HEAD errors have no body: the code comes from the x-oss-err header.
            let err = client
                .head_object(&bucket, &key, &GetObjectOptions::default())
                .await
                .unwrap_err();
            assert_eq!(err.code(), Some("NoSuchKey"), "{err}");
            // Deleting what is not there succeeds, as on OSS.
            client.delete_object(&bucket, &key).await.unwrap();
        }
    }
}

#[tokio::test]
async fn multipart_upload_lifecycle_with_both_signature_versions() {
    let emu = TestEmulator::start().await;
    let bucket = emu.info().bucket.clone();
    for version in VERSIONS {
        let client = emu.client(version);
        let key = format!("{version}/multi part/视频.mp4");
        let data = pattern(250_000, 3);
        let id = client
            .initiate_multipart_upload(&bucket, &key, &PutObjectOptions::default())
            .await
            .unwrap();
        let mut parts = Vec::new();
        for (i, chunk) in data.chunks(102_400).enumerate() {
            let part = client
                .upload_part(&bucket, &key, &id, i as u32 + 1, chunk.to_vec(), true)
                .await
                .unwrap();
            parts.push(part);
        }
        let listed = client.list_parts(&bucket, &key, &id).await.unwrap();
        assert_eq!(listed.len(), 3);
        for (l, p) in listed.iter().zip(&parts) {
            assert_eq!(
                (l.part_number, &l.etag, l.size),
                (p.part_number, &p.etag, p.size)
            );
        }
        let uploads = client
            .list_multipart_uploads(&bucket, Some(&format!("{version}/")))
            .await
            .unwrap();
        assert!(
            uploads.iter().any(|u| u.upload_id == id && u.key == key),
            "{uploads:?}"
        );

        let done = client
            .complete_multipart_upload(&bucket, &key, &id, &parts, &CompleteOptions::default())
            .await
            .unwrap();
        assert_eq!(done.crc64, Some(crc64::checksum(&data)));
        assert!(done.etag.ends_with("-3\""), "{}", done.etag);
        let got = client
            .get_object(&bucket, &key, &GetObjectOptions::default())
            .await
            .unwrap();
        assert_eq!(got.body, data);
        assert_eq!(got.meta.object_type, "Multipart");

        // The upload is gone once completed.
        let err = client.list_parts(&bucket, &key, &id).await.unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"), "{err}");

        // Abort discards an upload.
        let id = client
            .initiate_multipart_upload(&bucket, &key, &PutObjectOptions::default())
            .await
            .unwrap();
        client
            .upload_part(&bucket, &key, &id, 1, vec![1u8; 10], false)
            .await
            .unwrap();
        client
            .abort_multipart_upload(&bucket, &key, &id)
            .await
            .unwrap();
        let err = client
            .abort_multipart_upload(&bucket, &key, &id)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"), "{err}");
    }
}

#[tokio::test]
async fn multipart_rules_are_enforced() {
    let emu = TestEmulator::start().await;
    let bucket = emu.info().bucket.clone();
    let client = emu.client(SignatureVersion::V4);
    let key = "rules.bin";
    let id = client
        .initiate_multipart_upload(&bucket, key, &PutObjectOptions::default())
        .await
        .unwrap();
    let small = client
        .upload_part(&bucket, key, &id, 1, vec![7u8; 1000], false)
        .await
        .unwrap();
    let last = client
        .upload_part(&bucket, key, &id, 2, vec![8u8; 1000], false)
        .await
        .unwrap();

    let err = client
        .complete_multipart_upload(
            &bucket,
            key,
            &id,
            &[small.clone(), last.clone()],
            &CompleteOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("EntityTooSmall"), "{err}");

    let wrong = UploadedPart {
        etag: "\"00000000000000000000000000000000\"".into(),
        ..last.clone()
    };
    let err = client
        .complete_multipart_upload(&bucket, key, &id, &[wrong], &CompleteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPart"), "{err}");

    let err = client
        .upload_part(&bucket, key, &id, 10_001, vec![1u8], false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument(_)),
        "checked before sending: {err}"
    );

    // A single small part is fine: only non-last parts must be >= 100 KiB.
    let done = client
        .complete_multipart_upload(&bucket, key, &id, &[small], &CompleteOptions::default())
        .await
        .unwrap();
    assert_eq!(done.crc64, Some(crc64::checksum(&[7u8; 1000])));
}

#[tokio::test]
async fn presigned_urls_work_and_tampering_is_refused() {
    let emu = TestEmulator::start().await;
    let bucket = emu.info().bucket.clone();
    let http = reqwest::Client::new();
    for version in VERSIONS {
        let client = emu.client(version);
        let key = format!("{version}/shared file+1.txt");
        let put_url = client
            .presign_object(Method::PUT, &bucket, &key, vec![], 600)
            .await
            .unwrap();
        let r = http
            .put(&put_url)
            .body("via presigned PUT")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

        let get_url = client
            .presign_object(Method::GET, &bucket, &key, vec![], 600)
            .await
            .unwrap();
        let r = http.get(&get_url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "via presigned PUT");

        let tampered = get_url.replace("shared%20file", "shared%20filE");
        let r = http.get(&tampered).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("<Code>SignatureDoesNotMatch</Code>"));
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_the_servers_string_to_sign() {
    let emu = TestEmulator::start().await;
    let bucket = emu.info().bucket.clone();
    let id = emu.info().access_key_id.clone();
    for version in VERSIONS {
        let client = emu.client_with(version, Credentials::new(&id, "not-the-secret"));
        let err = client
            .put_object(&bucket, "x", "x", &PutObjectOptions::default())
            .await
            .unwrap_err();
        let service = err.service().expect("service error");
        assert_eq!(
            (service.status, service.code.as_str()),
            (403, "SignatureDoesNotMatch")
        );
        // V1 signs the resource itself; V4 signs a hash of the canonical request holding it.
        let resource = format!("/{bucket}/x");
        let shown = match version {
            SignatureVersion::V1 => service.string_to_sign.as_deref(),
            SignatureVersion::V4 => service.canonical_request.as_deref(),
        };
        assert!(shown.is_some_and(|s| s.contains(&resource)), "{service:?}");
        assert!(service.string_to_sign.is_some());

        let client = emu.client_with(version, Credentials::new("LTAIunknownunknown00", "s"));
        let err = client
            .put_object(&bucket, "x", "x", &PutObjectOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidAccessKeyId"), "{err}");
    }
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let emu = TestEmulator::start_with(|o| {
        o.faults = vec![
            "op=PutObject,kind=status,status=503,code=ServiceUnavailable,nth=1"
                .parse()
                .unwrap(),
            "op=GetObject,kind=reset,nth=1".parse().unwrap(),
            "op=UploadPart,kind=truncate,nth=1".parse().unwrap(),
        ];
    })
    .await;
    let bucket = emu.info().bucket.clone();
    let client = emu.client(SignatureVersion::V4);
    client
        .put_object(
            &bucket,
            "retry.txt",
            "payload",
            &PutObjectOptions::default(),
        )
        .await
        .unwrap();
    let got = client
        .get_object(&bucket, "retry.txt", &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(got.body, "payload");
    let id = client
        .initiate_multipart_upload(&bucket, "retry.bin", &PutObjectOptions::default())
        .await
        .unwrap();
    client
        .upload_part(&bucket, "retry.bin", &id, 1, vec![5u8; 2000], false)
        .await
        .unwrap();
    let stats = emu.stats().await;
    assert_eq!(stats["operations"]["PutObject"]["count"], 2, "{stats}");
    assert_eq!(stats["operations"]["GetObject"]["count"], 2, "{stats}");
}

#[tokio::test]
async fn a_server_clock_twenty_minutes_off_is_corrected() {
    for offset in [1200i64, -1200] {
        let emu = TestEmulator::start_with(|o| o.clock_offset_seconds = offset).await;
        let bucket = emu.info().bucket.clone();
        for version in VERSIONS {
            let client = emu.client(version);
            client
                .put_object(&bucket, "skew.txt", "t", &PutObjectOptions::default())
                .await
                .unwrap();
            let learnt = client.clock().offset().num_seconds();
            assert!(
                (learnt - offset).abs() <= 2,
                "learnt {learnt}, server is {offset} s off"
            );
        }
    }
}

#[tokio::test]
async fn invalid_arguments_fail_before_sending() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    for key in ["", "/leading-slash", "\\backslash"] {
        let err = client
            .put_object(&bucket, key, "x", &PutObjectOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{key:?}: {err}");
    }
    let long = "k".repeat(1024);
    let err = client
        .put_object(&bucket, &long, "x", &PutObjectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    let stats = emu.stats().await;
    assert_eq!(stats["operations"]["PutObject"]["count"], 0, "{stats}");
}

#[tokio::test]
async fn forbid_overwrite_and_missing_bucket() {
    let emu = TestEmulator::start().await;
    let client = emu.client(SignatureVersion::V4);
    let bucket = emu.info().bucket.clone();
    let once = PutObjectOptions {
        forbid_overwrite: true,
        ..Default::default()
    };
    client
        .put_object(&bucket, "once.txt", "1", &once)
        .await
        .unwrap();
    let err = client
        .put_object(&bucket, "once.txt", "2", &once)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("FileAlreadyExists"), "{err}");
    let err = client
        .put_object("no-such-bucket", "k", "2", &PutObjectOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.code(), Some("NoSuchBucket" | "AccessDenied")),
        "{err}"
    );
}
