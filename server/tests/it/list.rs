//! Listing: with `oss:ListObjects` in the policy, a user lists their own prefix with their STS
//! credentials (the emulator evaluates the session policy's `oss:Prefix` condition) and through
//! `POST /sign`; another user's prefix and the whole bucket are refused both ways.

use std::sync::Arc;
use std::time::Duration;

use ossdirect::api::ListObjectsOptions;
use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::signer::{RemoteSigner, SigningEndpoint};
use ossdirect::{Client, Endpoint, Error, PutObjectOptions, SignatureVersion};

use crate::common::{Harness, ALICE_TOKEN};

/// Put, get and list, as `ossdirect dev` grants.
async fn start() -> Harness {
    Harness::start_with(|c| {
        c.policy.actions = ["oss:PutObject", "oss:GetObject", "oss:ListObjects"]
            .map(str::to_owned)
            .to_vec();
    })
    .await
}

fn prefix(p: Option<&str>) -> ListObjectsOptions {
    ListObjectsOptions {
        prefix: p.map(str::to_owned),
        ..Default::default()
    }
}

/// Objects under alice's and bob's prefixes, written by the RAM user.
async fn seed(h: &Harness) {
    let root = h.static_client(crate::common::caller(h.info()));
    for key in [
        "users/alice/a.txt",
        "users/alice/b/c.txt",
        "users/bob/x.txt",
    ] {
        root.put_object(&h.info().bucket, key, "x", &PutObjectOptions::default())
            .await
            .unwrap();
    }
}

/// Checks that `client` lists alice's prefix (every key, nothing else) and nothing else.
async fn lists_only_alices_prefix(h: &Harness, client: &Client, refused: impl Fn(&Error) -> bool) {
    let bucket = &h.info().bucket;
    let page = client
        .list_objects(bucket, &prefix(Some("users/alice/")))
        .await
        .unwrap();
    let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["users/alice/a.txt", "users/alice/b/c.txt"]);
    let deeper = client
        .list_objects(bucket, &prefix(Some("users/alice/b/")))
        .await
        .unwrap();
    assert_eq!(deeper.objects.len(), 1);
    for outside in [
        None,
        Some("users/bob/"),
        Some("users/"),
        Some("users/alice"),
    ] {
        let e = client
            .list_objects(bucket, &prefix(outside))
            .await
            .unwrap_err();
        assert!(refused(&e), "{outside:?}: {e}");
    }
}

#[tokio::test]
async fn alice_lists_her_prefix_only_with_her_sts_credentials() {
    let h = start().await;
    seed(&h).await;
    let fetcher = TokenEndpointFetcher::with_options(
        format!("{}/sts-token", h.server.url()),
        reqwest::Method::GET,
        vec![("Authorization".into(), format!("Bearer {ALICE_TOKEN}"))],
        Duration::from_secs(10),
    )
    .unwrap();
    let provider = Arc::new(RefreshingProvider::new(Arc::new(fetcher)));
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let alice = h.client(provider.clone(), version);
        lists_only_alices_prefix(
            &h,
            &alice,
            |e| matches!(e, Error::Service(s) if s.code == "AccessDenied"),
        )
        .await;
    }
}

#[tokio::test]
async fn without_list_objects_in_the_policy_alice_cannot_list() {
    let h = Harness::start().await;
    let alice = h.client(
        Arc::new(ossdirect::StaticProvider::new(
            h.token(Some(ALICE_TOKEN)).await,
        )),
        SignatureVersion::V4,
    );
    let e = alice
        .list_objects(&h.info().bucket, &prefix(Some("users/alice/")))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Service(s) if s.code == "AccessDenied"),
        "{e}"
    );
}

#[tokio::test]
async fn the_sign_endpoint_signs_listings_of_alices_prefix_only() {
    let h = start().await;
    seed(&h).await;
    let source = Arc::new(
        SigningEndpoint::new(
            format!("{}/sign", h.server.url()),
            vec![("Authorization".into(), format!("Bearer {ALICE_TOKEN}"))],
            Duration::from_secs(10),
        )
        .unwrap(),
    );
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let signer = RemoteSigner::new(version, h.info().region.clone(), source.clone());
        let alice = Client::builder(&h.info().region)
            .endpoint(Endpoint::parse(&h.info().oss_endpoint).unwrap())
            .signer(Arc::new(signer))
            .retry_policy(ossdirect::RetryPolicy::none())
            .build()
            .unwrap();
        // Refused by the server before anything reaches OSS.
        lists_only_alices_prefix(
            &h,
            &alice,
            |e| matches!(e, Error::Signing(m) if m.contains("AccessDenied")),
        )
        .await;
    }
}
