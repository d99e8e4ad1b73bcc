//! The refreshing token-endpoint provider against real HTTP: app servers that fail in every way
//! yield a typed error saying what was wrong; a working one is fetched once for many requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use ossdirect::client::Method;
use ossdirect::credentials::{RefreshPolicy, RefreshingProvider, TokenEndpointFetcher};
use ossdirect::{Client, Credentials, CredentialsProvider, Endpoint, Error, PutObjectOptions};
use ossdirect_server::{new_bearer_token, Server, ServerConfig, TokenEntry};
use ossdirect_tests::TestEmulator;

/// A stand-in app server answering `/token` with `answer`, counting requests; stops on drop.
struct AppServer {
    addr: SocketAddr,
    hits: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AppServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn app_server(status: u16, body: &'static str, delay: Duration) -> AppServer {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/token",
        get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                (StatusCode::from_u16(status).unwrap(), body).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    AppServer { addr, hits, task }
}

fn provider(addr: SocketAddr, timeout: Duration) -> RefreshingProvider {
    let fetcher = TokenEndpointFetcher::with_options(
        format!("http://{addr}/token"),
        Method::GET,
        vec![("Authorization".into(), "Bearer app-user-token".into())],
        timeout,
    )
    .unwrap();
    RefreshingProvider::new(Arc::new(fetcher))
}

async fn error_of(status: u16, body: &'static str, delay: Duration) -> String {
    let server = app_server(status, body, delay).await;
    let p = provider(server.addr, Duration::from_millis(500));
    match p.credentials().await {
        Err(e @ Error::Credentials(_)) => e.to_string(),
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

#[tokio::test]
async fn broken_token_endpoints_yield_typed_errors_saying_what_was_wrong() {
    let cases: [(u16, &str, Duration, &str); 6] = [
        (
            500,
            r#"{"StatusCode":500,"ErrorCode":"InternalError","ErrorMessage":"STS down"}"#,
            Duration::ZERO,
            "InternalError STS down",
        ),
        (
            200,
            "<html><body>Login required</body></html>",
            Duration::ZERO,
            "HTML/XML instead of JSON",
        ),
        (
            200,
            "{\"AccessKeyId\": \"STS.x\", \"AccessKey",
            Duration::ZERO,
            "malformed JSON",
        ),
        (
            200,
            r#"{"StatusCode":200,"AccessKeyId":"STS.x"}"#,
            Duration::ZERO,
            "lacks AccessKeySecret",
        ),
        (
            200,
            r#"{"StatusCode":200,"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2020-01-01T00:00:00Z"}"#,
            Duration::ZERO,
            "expired already",
        ),
        (200, "{}", Duration::from_secs(3), "timed out"),
    ];
    for (status, body, delay, expected) in cases {
        let message = error_of(status, body, delay).await;
        assert!(
            message.contains(expected),
            "{expected:?} not in {message:?}"
        );
        assert!(message.contains("/token"), "names the endpoint: {message}");
    }
    // Nothing listening at all.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let p = provider(dead, Duration::from_millis(500));
    let e = p.credentials().await.unwrap_err();
    assert!(
        matches!(e, Error::Credentials(_)) && e.to_string().contains("failed"),
        "{e}"
    );
}

#[tokio::test]
async fn many_concurrent_requests_share_one_fetch() {
    let body = Box::leak(
        format!(
            r#"{{"StatusCode":200,"AccessKeyId":"STS.ok","AccessKeySecret":"s","SecurityToken":"t","Expiration":"{}"}}"#,
            (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ")
        )
        .into_boxed_str(),
    );
    let server = app_server(200, body, Duration::from_millis(200)).await;
    let p = Arc::new(provider(server.addr, Duration::from_secs(5)));
    let started = Instant::now();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.credentials().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().access_key_id(), "STS.ok");
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    // Debug output of the provider never shows the app's bearer token.
    assert!(!format!("{p:?}").contains("app-user-token"));
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_in_the_background_without_failing_a_request() {
    // The emulator's STS caps every credential at 4 s; the token server asks for 900 s.
    let emu = TestEmulator::start_with(|o| o.sts_max_lifetime = Some(4)).await;
    let info = emu.info().clone();
    let mut config = ServerConfig::new(&info.sts_endpoint, &info.role_arn, &info.bucket);
    config.cache.refresh_margin_seconds = 1;
    let bearer = new_bearer_token();
    config
        .auth
        .tokens
        .push(TokenEntry::new("alice", bearer.clone()));
    let server = Server::new(
        config,
        Credentials::new(&info.access_key_id, &info.access_key_secret),
    )
    .unwrap()
    .start()
    .await
    .unwrap();

    let fetcher = TokenEndpointFetcher::with_options(
        format!("{}/sts-token", server.url()),
        Method::GET,
        vec![("Authorization".into(), format!("Bearer {bearer}"))],
        Duration::from_secs(5),
    )
    .unwrap();
    let policy = RefreshPolicy {
        refresh_before: Duration::from_secs(2),
        ..Default::default()
    };
    let provider = Arc::new(RefreshingProvider::with_policy(Arc::new(fetcher), policy));
    let client = Client::builder(&info.region)
        .endpoint(Endpoint::parse(&info.oss_endpoint).unwrap())
        .credentials_provider(provider.clone())
        .build()
        .unwrap();

    let assumed_before = emu.count("AssumeRole").await;
    let started = Instant::now();
    let mut requests = 0u32;
    let mut identities = std::collections::BTreeSet::new();
    while started.elapsed() < Duration::from_secs(10) {
        let key = format!("users/alice/steady-{requests}.txt");
        client
            .put_object(&info.bucket, &key, "x", &PutObjectOptions::default())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "request {requests} failed after {:?}: {e}",
                    started.elapsed()
                )
            });
        identities.insert(
            provider
                .credentials()
                .await
                .unwrap()
                .access_key_id()
                .to_owned(),
        );
        requests += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let assumed = emu.count("AssumeRole").await - assumed_before;
    assert!(identities.len() >= 3, "credentials rotated: {identities:?}");
    assert!(
        assumed >= 3,
        "the server assumed the role again as tokens expired ({assumed})"
    );
    assert!(requests > 50);
    server.shutdown().await.unwrap();
}
