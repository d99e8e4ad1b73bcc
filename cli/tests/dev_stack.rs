//! `ossdirect dev` as a development stack: demo users put, delete and list under their own
//! prefix only, with STS credentials from the token URL or signatures from the sign URL, and
//! `--sts-max-lifetime` makes the vended credentials short-lived.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use common::EmulatorProcess;
use ossdirect::api::ListObjectsOptions;
use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::signer::{RemoteSigner, SigningEndpoint};
use ossdirect::{Client, Endpoint, Error, SignatureVersion};

/// A demo user's bearer token from the ready line.
fn bearer(dev: &EmulatorProcess, user: &str) -> String {
    let users = dev.info["users"].as_array().expect("users");
    let entry = users.iter().find(|u| u["user"] == user).expect("the user");
    entry["bearer_token"].as_str().unwrap().to_owned()
}

/// `ossdirect <command> ... --endpoint --token-url --token-header` as `user`.
fn as_user(dev: &EmulatorProcess, user: &str, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ossdirect"))
        .args(args)
        .arg(format!("--endpoint={}", dev.field("oss_endpoint")))
        .arg(format!("--token-url={}", dev.field("token_url")))
        .arg(format!(
            "--token-header=Authorization: Bearer {}",
            bearer(dev, user)
        ))
        .env_remove("OSS_ACCESS_KEY_ID")
        .env_remove("OSS_ACCESS_KEY_SECRET")
        .env_remove("OSS_SESSION_TOKEN")
        .output()
        .unwrap()
}

fn url(dev: &EmulatorProcess, key: &str) -> String {
    format!("oss://{}/{key}", dev.field("bucket"))
}

fn prefix(p: Option<&str>) -> ListObjectsOptions {
    ListObjectsOptions {
        prefix: p.map(str::to_owned),
        ..Default::default()
    }
}

/// An SDK client of the stack's OSS: `user` through the token URL.
fn token_client(dev: &EmulatorProcess, user: &str) -> Client {
    let fetcher = TokenEndpointFetcher::with_options(
        dev.field("token_url"),
        reqwest::Method::GET,
        vec![(
            "Authorization".into(),
            format!("Bearer {}", bearer(dev, user)),
        )],
        Duration::from_secs(10),
    )
    .unwrap();
    Client::builder(dev.field("region"))
        .endpoint(Endpoint::parse(&dev.field("oss_endpoint")).unwrap())
        .credentials_provider(Arc::new(RefreshingProvider::new(Arc::new(fetcher))))
        .retry_policy(ossdirect::RetryPolicy::none())
        .build()
        .unwrap()
}

/// An SDK client whose every request is signed by the stack's sign URL for `user`.
fn signing_client(dev: &EmulatorProcess, user: &str) -> Client {
    let source = SigningEndpoint::new(
        dev.field("sign_url"),
        vec![(
            "Authorization".into(),
            format!("Bearer {}", bearer(dev, user)),
        )],
        Duration::from_secs(10),
    )
    .unwrap();
    let signer = RemoteSigner::new(SignatureVersion::V4, dev.field("region"), Arc::new(source));
    Client::builder(dev.field("region"))
        .endpoint(Endpoint::parse(&dev.field("oss_endpoint")).unwrap())
        .signer(Arc::new(signer))
        .retry_policy(ossdirect::RetryPolicy::none())
        .build()
        .unwrap()
}

fn keys(page: &ossdirect::api::ListObjectsPage) -> Vec<&str> {
    page.objects.iter().map(|o| o.key.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_users_delete_and_list_their_own_prefix_only() {
    let dev = EmulatorProcess::start_dev();
    assert_eq!(
        dev.field("sign_url"),
        dev.field("token_url").replace("/sts-token", "/sign"),
        "{}",
        dev.info
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("note.txt");
    std::fs::write(&file, "hello").unwrap();
    let file = file.to_string_lossy().into_owned();
    for (user, key) in [
        ("alice", "users/alice/a.txt"),
        ("alice", "users/alice/b.txt"),
        ("bob", "users/bob/x.txt"),
    ] {
        let out = as_user(&dev, user, &["put".into(), file.clone(), url(&dev, key)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Delete: her own object, not bob's.
    let out = as_user(
        &dev,
        "alice",
        &["rm".into(), url(&dev, "users/alice/a.txt")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = as_user(&dev, "alice", &["rm".into(), url(&dev, "users/bob/x.txt")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("AccessDenied"));

    // List with her STS credentials: her prefix shows the delete; bob's and the whole bucket
    // are AccessDenied.
    let bucket = dev.field("bucket");
    let alice = token_client(&dev, "alice");
    let page = alice
        .list_objects(&bucket, &prefix(Some("users/alice/")))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["users/alice/b.txt"]);
    for outside in [None, Some("users/bob/")] {
        let e = alice
            .list_objects(&bucket, &prefix(outside))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Service(s) if s.code == "AccessDenied"),
            "{outside:?}: {e}"
        );
    }
    // Through the sign URL: the same, refused by the server before OSS sees it.
    let signed = signing_client(&dev, "alice");
    let page = signed
        .list_objects(&bucket, &prefix(Some("users/alice/")))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["users/alice/b.txt"]);
    signed
        .delete_object(&bucket, "users/alice/b.txt")
        .await
        .unwrap();
    for outside in [None, Some("users/bob/")] {
        let e = signed
            .list_objects(&bucket, &prefix(outside))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Signing(m) if m.contains("AccessDenied")),
            "{outside:?}: {e}"
        );
    }
    let page = token_client(&dev, "bob")
        .list_objects(&bucket, &prefix(Some("users/bob/")))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["users/bob/x.txt"], "bob's object survived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_max_lifetime_makes_the_vended_credentials_short_lived() {
    let dev = EmulatorProcess::start_dev_with(&["--sts-max-lifetime", "4"]);
    let alice = token_client(&dev, "alice");
    let bucket = dev.field("bucket");
    alice
        .put_object(&bucket, "users/alice/short.txt", "x", &Default::default())
        .await
        .unwrap();
    // What the token URL hands out lives at most 4 s (not the server's 3600 s).
    let answer = reqwest::Client::new()
        .get(dev.field("token_url"))
        .bearer_auth(bearer(&dev, "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let credentials =
        ossdirect::credentials::parse_token_response(200, &answer.bytes().await.unwrap()).unwrap();
    let left = credentials.expiration().unwrap() - chrono::Utc::now();
    assert!(left <= chrono::Duration::seconds(4), "{left}");
    // A zero lifetime is refused before anything starts.
    let out = Command::new(env!("CARGO_BIN_EXE_ossdirect"))
        .args(["dev", "--sts-max-lifetime", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
