//! The public error type: each variant as the app sees it.

use std::time::{Duration, Instant};

use ossdirect_ffi::{OssClient, OssError, SignatureVersion};

use crate::common::Stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_failures_arrive_as_typed_errors() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let client = stack.alice_client(SignatureVersion::V4, None);

    // Outside alice's prefix: AccessDenied with the code and the request id.
    let denied = client
        .put_object(
            bucket.clone(),
            "users/bob/x.txt".into(),
            b"x".to_vec(),
            None,
        )
        .await
        .unwrap_err();
    match &denied {
        OssError::Service {
            status,
            code,
            request_id,
            ..
        } => {
            assert_eq!((*status, code.as_str()), (403, "AccessDenied"));
            assert!(!request_id.is_empty());
        }
        other => panic!("expected Service, got {other:?}"),
    }
    assert!(!denied.is_retryable());

    // Invalid arguments are refused before anything is sent.
    let invalid = client
        .put_object("Not_A_Bucket".into(), "k".into(), Vec::new(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, OssError::InvalidArgument { .. }),
        "{invalid:?}"
    );
    let bad_config = {
        let mut config = stack.config(SignatureVersion::V4, None);
        config.endpoint = Some("not a url".into());
        OssClient::new(config, stack.root()).unwrap_err()
    };
    assert!(
        matches!(bad_config, OssError::InvalidArgument { .. }),
        "{bad_config:?}"
    );

    // A damaged download is caught (retried, then Integrity if it stays damaged).
    let key = "users/alice/damaged.bin".to_owned();
    client
        .put_object(bucket.clone(), key.clone(), vec![7; 4096], None)
        .await
        .unwrap();
    stack.emu.add_faults(&["op=GetObject,kind=corrupt"]).await;
    let damaged = client
        .get_object(bucket.clone(), key.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(damaged, OssError::Integrity { ref check, .. } if check == "crc64"),
        "{damaged:?}"
    );
    assert!(damaged.is_retryable());
    stack.emu.clear_faults().await;

    // A stopped server: Network, quickly, retryable.
    let offline = {
        let mut config = stack.config(SignatureVersion::V4, None);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        config.endpoint = Some(format!("http://127.0.0.1:{port}"));
        config.retry_attempts = 1;
        OssClient::new(config, stack.root()).unwrap()
    };
    let started = Instant::now();
    let network = offline
        .head_object(bucket.clone(), key.clone())
        .await
        .unwrap_err();
    assert!(matches!(network, OssError::Network { .. }), "{network:?}");
    assert!(network.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));

    // A closed client refuses new calls.
    client.pause_all_and_close();
    let closed = client.head_object(bucket, key).await.unwrap_err();
    assert!(
        matches!(closed, OssError::InvalidArgument { .. }),
        "{closed:?}"
    );
    stack.stop().await;
}

#[test]
fn every_core_error_maps_to_its_public_variant() {
    use ossdirect::{Error, IntegrityCheck, ServiceError};
    let service = Error::Service(Box::new(ServiceError {
        status: 403,
        code: "AccessDenied".into(),
        message: "no".into(),
        request_id: "rid".into(),
        host_id: "host".into(),
        ec: "0003-00000001".into(),
        ..ServiceError::default()
    }));
    assert_eq!(
        OssError::from(service),
        OssError::Service {
            status: 403,
            code: "AccessDenied".into(),
            reason: "no".into(),
            request_id: "rid".into(),
            host_id: "host".into(),
            ec: "0003-00000001".into(),
        }
    );
    type Check = fn(&OssError) -> bool;
    let cases: Vec<(Error, Check)> = vec![
        (Error::Network("reset".into()), |e| {
            matches!(e, OssError::Network { .. })
        }),
        (Error::Timeout(Duration::from_secs(1)), |e| {
            matches!(e, OssError::Timeout { .. })
        }),
        (Error::Credentials("no".into()), |e| {
            matches!(e, OssError::Credentials { .. })
        }),
        (Error::Signing("no".into()), |e| {
            matches!(e, OssError::Signing { .. })
        }),
        (
            Error::Integrity {
                check: IntegrityCheck::Md5,
                expected: "a".into(),
                actual: "b".into(),
            },
            |e| matches!(e, OssError::Integrity { check, .. } if check == "md5"),
        ),
        (Error::InvalidArgument("x".into()), |e| {
            matches!(e, OssError::InvalidArgument { .. })
        }),
        (Error::InvalidResponse("x".into()), |e| {
            matches!(e, OssError::InvalidResponse { .. })
        }),
        (
            Error::Io(std::io::Error::other("disk")),
            |e| matches!(e, OssError::Io { reason, .. } if reason.contains("disk")),
        ),
        (Error::Cancelled, |e| matches!(e, OssError::Cancelled)),
        (Error::Paused, |e| matches!(e, OssError::Paused)),
        (
            Error::SourceChanged("v2".into()),
            |e| matches!(e, OssError::SourceChanged { reason } if reason == "v2"),
        ),
        (
            Error::ResponseTooLarge {
                what: "the token endpoint's answer".into(),
                limit: 65536,
            },
            |e| matches!(e, OssError::InvalidResponse { reason } if reason.contains("65536")),
        ),
        // A failed upload reaches the app as its cause.
        (
            Error::Upload {
                upload_id: "U1".into(),
                source: Box::new(Error::Network("reset".into())),
            },
            |e| matches!(e, OssError::Network { .. }),
        ),
    ];
    for (core, check) in cases {
        let text = core.to_string();
        let shared = std::sync::Arc::new(core);
        let keep = shared.clone();
        let public = OssError::from(shared);
        assert!(check(&public), "{text} became {public:?}");
        drop(keep);
    }
}
