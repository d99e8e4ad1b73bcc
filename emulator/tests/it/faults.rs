//! Fault injection and statistics.

use std::time::{Duration, Instant};

use ossdirect::{GetObjectOptions, SignatureVersion};
use ossdirect_emulator::{EmulatorOptions, FaultRule};

use crate::common::{error_code, Harness, JsonBody, Raw};

#[tokio::test]
async fn reset_truncate_status_and_delay() {
    let h = Harness::start().await;
    let user = h.user();
    let bucket = h.info().bucket.clone();
    let client = h.client(user.clone(), SignatureVersion::V4);
    let body = vec![5u8; 64 * 1024];
    client
        .put_object(&bucket, "f.bin", body.clone(), &Default::default())
        .await
        .unwrap();

    h.add_faults(&["op=PutObject,kind=reset,nth=1"]).await;
    let received = |stats: serde_json::Value| {
        stats["operations"]["PutObject"]["bytes_received"]
            .as_u64()
            .unwrap_or(0)
    };
    let before = received(h.stats().await);
    let big = vec![1u8; 4 << 20];
    let r = Raw::new("PUT", &bucket, Some("reset.bin"))
        .body(big.clone())
        .sign(h.info(), &user, SignatureVersion::V4, chrono::Utc::now());
    let mut builder = h.http.put(&r.0).body(big);
    for (k, v) in &r.1 {
        builder = builder.header(k, v);
    }
    assert!(builder.send().await.is_err(), "the connection is dropped");
    let read = received(h.stats().await) - before;
    assert!(
        (2 << 20..4 << 20).contains(&read),
        "dropped mid-body, after {read} bytes"
    );
    let missing = client
        .head_object(&bucket, "reset.bin", &GetObjectOptions::default())
        .await;
    assert!(missing.is_err(), "a reset request is not performed");

    h.add_faults(&["op=GetObject,kind=truncate,nth=1"]).await;
    let r = Raw::new("GET", &bucket, Some("f.bin"))
        .send(&h, &user, SignatureVersion::V4)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "65536");
    assert!(r.bytes().await.is_err(), "the body stops half way");

    h.add_faults(&["op=GetObject,kind=status,status=503,nth=1"])
        .await;
    let r = Raw::new("GET", &bucket, Some("f.bin"))
        .send(&h, &user, SignatureVersion::V4)
        .await;
    let (status, code, _) = error_code(r).await;
    assert_eq!((status, code.as_str()), (503, "ServiceUnavailable"));

    h.add_faults(&["op=HeadObject,kind=delay,ms=300"]).await;
    let started = Instant::now();
    client
        .head_object(&bucket, "f.bin", &GetObjectOptions::default())
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    let r = h.http.delete(h.control("faults")).send().await.unwrap();
    let rules: serde_json::Value = r.json_value().await;
    assert_eq!(rules["rules"].as_array().unwrap().len(), 0);
    let got = client
        .get_object(&bucket, "f.bin", &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(got.body.len(), body.len());
}

#[tokio::test]
async fn sdk_retries_through_transient_faults() {
    let h = Harness::start().await;
    h.add_faults(&["op=UploadPart,kind=status,status=503,nth=1"])
        .await;
    let client = h.client_with(
        h.user(),
        SignatureVersion::V4,
        ossdirect::RetryPolicy::default(),
    );
    let bucket = h.info().bucket.clone();
    let id = client
        .initiate_multipart_upload(&bucket, "r.bin", &Default::default())
        .await
        .unwrap();
    client
        .upload_part(&bucket, "r.bin", &id, 1, vec![0u8; 10], false)
        .await
        .expect("retried after the 503");
    let stats = h.stats().await;
    assert_eq!(stats["operations"]["UploadPart"]["count"], 2);
}

#[tokio::test]
async fn stats_count_every_operation() {
    let h = Harness::start_with(|o| {
        o.faults = vec!["op=AssumeRole,kind=status,status=500,nth=1"
            .parse::<FaultRule>()
            .unwrap()]
    })
    .await;
    let stats = h.stats().await;
    for op in [
        "PutObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "InitiateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
        "ListMultipartUploads",
        "AssumeRole",
    ] {
        assert_eq!(
            stats["operations"][op]["count"], 0,
            "{op} is listed from the start"
        );
    }
    let client = h.client(h.user(), SignatureVersion::V1);
    let bucket = h.info().bucket.clone();
    client
        .put_object(&bucket, "s", vec![0u8; 1234], &Default::default())
        .await
        .unwrap();
    let wrong = ossdirect::Credentials::new(&h.info().access_key_id, "bad");
    let r = Raw::new("PUT", &bucket, Some("s"))
        .body("x")
        .send(&h, &wrong, SignatureVersion::V1)
        .await;
    assert_eq!(r.status(), 403);
    let sts =
        ossdirect::sts::StsClient::new(&h.info().sts_endpoint, h.user(), Duration::from_secs(5))
            .unwrap();
    let req = ossdirect::sts::AssumeRoleRequest {
        role_arn: h.info().role_arn.clone(),
        role_session_name: "stats".into(),
        duration_seconds: 900,
        policy: None,
        external_id: None,
    };
    let e = sts.assume_role(&req).await.unwrap_err();
    assert_eq!(e.code(), Some("InternalError"), "injected at start");
    sts.assume_role(&req).await.unwrap();

    let stats = h.stats().await;
    assert_eq!(
        stats["operations"]["PutObject"]["count"], 2,
        "refused requests count"
    );
    assert_eq!(stats["operations"]["PutObject"]["bytes_received"], 1234);
    assert_eq!(stats["operations"]["AssumeRole"]["count"], 2);
    let r = h.http.post(h.control("stats/reset")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(h.stats().await["operations"]["PutObject"]["count"], 0);
}

#[tokio::test]
async fn control_inputs_are_checked() {
    let h = Harness::start().await;
    let r = h
        .http
        .post(h.control("faults"))
        .body(r#"["kind=explode"]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h
        .http
        .put(h.control("clock"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h.http.get(h.control("faults")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn test_controls_need_a_loopback_listener() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmulatorOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        data_dir: dir.path().to_owned(),
        clock_offset_seconds: 5,
        ..EmulatorOptions::default()
    };
    let e = ossdirect_emulator::Emulator::start(options)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
    let e = ossdirect_emulator::Emulator::start(EmulatorOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("data_dir"), "{e}");
}
