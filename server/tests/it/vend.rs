//! Vending: credentials from the emulator's STS that confine each user to their prefix, the
//! cache and single-flight, and the mobile SDKs' JSON.

use std::sync::Arc;
use std::time::Duration;

use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::{Error, PutObjectOptions, SignatureVersion};

use crate::common::{Harness, ALICE_TOKEN, BOB_TOKEN, OTHER_BUCKET};

fn access_denied<T: std::fmt::Debug>(result: ossdirect::Result<T>) -> bool {
    matches!(result, Err(Error::Service(ref e)) if e.code == "AccessDenied")
}

#[tokio::test]
async fn alice_uploads_under_her_prefix_only() {
    let h = Harness::start().await;
    let bucket = h.info().bucket.clone();
    // The SDK's own token-endpoint provider, authenticating with alice's bearer token.
    let fetcher = TokenEndpointFetcher::with_options(
        format!("{}/sts-token", h.server.url()),
        reqwest::Method::GET,
        vec![("Authorization".into(), format!("Bearer {ALICE_TOKEN}"))],
        Duration::from_secs(10),
    )
    .unwrap();
    let provider = Arc::new(RefreshingProvider::new(Arc::new(fetcher)));
    let put = PutObjectOptions::default();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let alice = h.client(provider.clone(), version);
        let key = format!("users/alice/hello-{version}.txt");
        alice
            .put_object(&bucket, &key, "hello", &put)
            .await
            .unwrap();
        assert!(access_denied(
            alice
                .put_object(&bucket, "users/bob/x.txt", "x", &put)
                .await
        ));
        assert!(access_denied(
            alice
                .put_object(&bucket, "users/alicex/x.txt", "x", &put)
                .await
        ));
        assert!(access_denied(
            alice.put_object(&bucket, "top.txt", "x", &put).await
        ));
        assert!(access_denied(
            alice
                .put_object(OTHER_BUCKET, "users/alice/x.txt", "x", &put)
                .await
        ));
    }
    // The objects arrived, and the other bucket exists and is writable for the RAM user:
    // only the session policy kept alice out.
    let ram_user = h.static_client(crate::common::caller(h.info()));
    let object = ram_user
        .get_object(&bucket, "users/alice/hello-v4.txt", &Default::default())
        .await
        .unwrap();
    assert_eq!(&object.body[..], b"hello");
    ram_user
        .put_object(OTHER_BUCKET, "users/alice/x.txt", "x", &put)
        .await
        .unwrap();
    // Reading is not granted by the default actions.
    let alice = h.client(provider, SignatureVersion::V4);
    assert!(access_denied(
        alice
            .get_object(&bucket, "users/alice/hello-v4.txt", &Default::default())
            .await
    ));
}

#[tokio::test]
async fn two_hundred_concurrent_requests_make_one_assume_role_call() {
    let h = Harness::start().await;
    let before = h.assume_role_count().await;
    let h = Arc::new(h);
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.get("/sts-token", Some(ALICE_TOKEN)).await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.json);
        ids.insert(answer.json["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every request got the same credentials");
    assert_eq!(h.assume_role_count().await - before, 1);
    // Cached afterwards; another user gets their own call.
    h.get("/get_sts_token", Some(ALICE_TOKEN)).await;
    assert_eq!(h.assume_role_count().await - before, 1);
    let bob = h.get("/sts-token", Some(BOB_TOKEN)).await;
    assert_eq!(bob.status, 200);
    assert!(!ids.contains(bob.json["AccessKeyId"].as_str().unwrap()));
    assert_eq!(h.assume_role_count().await - before, 2);
}

#[tokio::test]
async fn the_answer_is_the_mobile_sdk_json() {
    let h = Harness::start().await;
    let a = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    assert_eq!(a.status, 200);
    assert!(
        a.json["StatusCode"].is_u64() && a.json["StatusCode"] == 200,
        "{}",
        a.json
    );
    for field in [
        "AccessKeyId",
        "AccessKeySecret",
        "SecurityToken",
        "Expiration",
    ] {
        assert!(
            a.json[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {}",
            a.json
        );
    }
    let expiration = a.json["Expiration"].as_str().unwrap();
    let parsed = chrono::NaiveDateTime::parse_from_str(expiration, "%Y-%m-%dT%H:%M:%SZ").unwrap();
    let left = parsed.and_utc() - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(55), "{expiration}");
    assert_eq!(a.headers["cache-control"], "no-store");
    let legacy = h.get("/get_sts_token", Some(ALICE_TOKEN)).await;
    assert_eq!(legacy.json["AccessKeyId"], a.json["AccessKeyId"]);
}

#[tokio::test]
async fn health_and_metrics() {
    let h = Harness::start().await;
    let health = h.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (200, Some("ok"))
    );
    h.get("/sts-token", Some(ALICE_TOKEN)).await;
    h.get("/sts-token", Some(ALICE_TOKEN)).await;
    h.get("/sts-token", None).await;
    h.get("/nope", None).await.assert_error(404, "NotFound");
    let post = h
        .http
        .post(format!("{}/sts-token", h.server.url()))
        .send()
        .await
        .unwrap();
    crate::common::answer(post)
        .await
        .assert_error(405, "MethodNotAllowed");
    let text = h
        .http
        .get(format!("{}/metrics", h.server.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "ossdirect_server_requests_total{route=\"/sts-token\",status=\"200\"} 2",
        "ossdirect_server_requests_total{route=\"/sts-token\",status=\"401\"} 1",
        "ossdirect_server_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "ossdirect_server_requests_total{route=\"/sts-token\",status=\"405\"} 1",
        "ossdirect_server_cache_hits_total 1",
        "ossdirect_server_cache_misses_total 1",
        "ossdirect_server_sts_calls_total 1",
        "ossdirect_server_sts_failures_total 0",
        "ossdirect_server_request_duration_seconds_count{route=\"/sts-token\"} 4",
    ] {
        assert!(text.contains(line), "{line} missing in\n{text}");
    }
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let h = Harness::start().await;
    let url = h.server.url();
    assert_eq!(h.get("/healthz", None).await.status, 200);
    let Harness { server, .. } = h;
    server.shutdown().await.unwrap();
    assert!(reqwest::get(format!("{url}/healthz")).await.is_err());
}
