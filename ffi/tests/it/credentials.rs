//! Credentials sources through the ffi: the app's async fetcher (fine, throwing, hanging,
//! panicking), the token server's `/sign`, and a signer implemented by the app.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;
use ossdirect::signer::{SignatureSource, SigningEndpoint, SigningInput};
use ossdirect_ffi::{
    CredentialsFetcher, CredentialsSource, OssClient, OssError, SignatureProvider,
    SignatureVersion, SigningRequest, SigningResult, StsCredentials,
};

use crate::common::Stack;

/// An app fetcher that asks the token server itself, or misbehaves on purpose.
struct AppFetcher {
    url: String,
    bearer: String,
    behaviour: Behaviour,
    calls: AtomicU32,
}

#[derive(Clone, Copy)]
enum Behaviour {
    Fetch,
    Throw,
    Hang,
    Panic,
}

#[async_trait::async_trait]
impl CredentialsFetcher for AppFetcher {
    async fn fetch(&self) -> Result<StsCredentials, OssError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::Throw => Err(OssError::Network {
                reason: "app server unreachable".into(),
            }),
            Behaviour::Hang => {
                futures_util::future::pending::<()>().await;
                unreachable!()
            }
            Behaviour::Panic => panic!("the app's fetcher exploded"),
            Behaviour::Fetch => {
                let body: serde_json::Value = reqwest::Client::new()
                    .get(&self.url)
                    .bearer_auth(&self.bearer)
                    .send()
                    .await
                    .map_err(|e| OssError::Network {
                        reason: e.to_string(),
                    })?
                    .json()
                    .await
                    .map_err(|e| OssError::Network {
                        reason: e.to_string(),
                    })?;
                let field = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
                Ok(StsCredentials {
                    access_key_id: field("AccessKeyId"),
                    access_key_secret: field("AccessKeySecret"),
                    security_token: Some(field("SecurityToken")),
                    expiration: Some(SystemTime::now() + Duration::from_secs(600)),
                })
            }
        }
    }
}

fn fetcher_client(stack: &Stack, behaviour: Behaviour) -> (Arc<OssClient>, Arc<AppFetcher>) {
    let fetcher = Arc::new(AppFetcher {
        url: stack.token_url(),
        bearer: stack.bearer.clone(),
        behaviour,
        calls: AtomicU32::new(0),
    });
    let source = CredentialsSource::fetcher(fetcher.clone(), 300, 1_000);
    let client = OssClient::new(stack.config(SignatureVersion::V4, None), source).unwrap();
    (client, fetcher)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_fetcher_is_cached_and_its_failures_are_typed_never_hangs() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();

    let (client, fetcher) = fetcher_client(&stack, Behaviour::Fetch);
    let puts = (0..8).map(|i| {
        client.put_object(
            bucket.clone(),
            format!("users/alice/fetched-{i}"),
            b"x".to_vec(),
            None,
        )
    });
    for r in futures_util::future::join_all(puts).await {
        r.unwrap();
    }
    assert_eq!(
        fetcher.calls.load(Ordering::SeqCst),
        1,
        "one fetch for eight requests"
    );

    for behaviour in [Behaviour::Throw, Behaviour::Hang, Behaviour::Panic] {
        let (client, _) = fetcher_client(&stack, behaviour);
        let started = Instant::now();
        let e = client
            .put_object(
                bucket.clone(),
                "users/alice/never".into(),
                b"x".to_vec(),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, OssError::Credentials { .. }), "{e:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no hang: {:?}",
            started.elapsed()
        );
    }
    stack.stop().await;
}

/// The app's own signer: here it forwards to the token server's `/sign`, as an app would call
/// its backend.
struct AppSigner {
    endpoint: SigningEndpoint,
    calls: AtomicU32,
}

#[async_trait::async_trait]
impl SignatureProvider for AppSigner {
    async fn sign(&self, request: SigningRequest) -> Result<SigningResult, OssError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut to_sign = ossdirect::sign::RequestToSign::new(
            &request.method,
            request.bucket.as_deref(),
            request.key.as_deref(),
        );
        to_sign.headers = request.headers.into_iter().collect();
        to_sign.query = request.query.into_iter().collect();
        let input = SigningInput {
            version: match request.version {
                SignatureVersion::V1 => ossdirect::SignatureVersion::V1,
                SignatureVersion::V4 => ossdirect::SignatureVersion::V4,
            },
            string_to_sign: request.string_to_sign,
            date: request.date,
            region: request.region,
            request: to_sign,
        };
        let signed: BoxFuture<'_, _> = self.endpoint.signature(input);
        let r = signed.await.map_err(|e| OssError::Signing {
            reason: e.to_string(),
        })?;
        Ok(SigningResult {
            signature: r.signature,
            access_key_id: r.access_key_id,
            security_token: r.security_token,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_signing_through_the_token_server_and_through_app_code() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let source =
            CredentialsSource::signing_endpoint(stack.sign_url(), stack.auth_headers(), 5_000)
                .unwrap();
        let client = OssClient::new(stack.config(version, None), source).unwrap();
        let key = format!("users/alice/signed-{version:?}.txt");
        client
            .put_object(bucket.clone(), key.clone(), b"signed".to_vec(), None)
            .await
            .unwrap();
        assert_eq!(
            client.get_object(bucket.clone(), key).await.unwrap(),
            b"signed"
        );
        let denied = client
            .put_object(bucket.clone(), "users/bob/x".into(), b"x".to_vec(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(denied, OssError::Signing { .. } | OssError::Service { .. }),
            "{denied:?}"
        );

        let signer = Arc::new(AppSigner {
            endpoint: SigningEndpoint::new(
                stack.sign_url(),
                stack.auth_headers().into_iter().collect(),
                Duration::from_secs(5),
            )
            .unwrap(),
            calls: AtomicU32::new(0),
        });
        let client = OssClient::new(
            stack.config(version, None),
            CredentialsSource::remote_signer(signer.clone(), 5_000),
        )
        .unwrap();
        let key = format!("users/alice/app-signed-{version:?}.txt");
        client
            .put_object(bucket.clone(), key.clone(), b"app".to_vec(), None)
            .await
            .unwrap();
        assert_eq!(
            client.head_object(bucket.clone(), key).await.unwrap().size,
            3
        );
        assert!(signer.calls.load(Ordering::SeqCst) >= 2);
    }
    stack.stop().await;
}
