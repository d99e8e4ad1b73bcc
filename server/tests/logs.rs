//! The server's logs hold no secret: a full vend, a JWT login, a remote signature and refused
//! requests are logged at TRACE level (text and JSON), and none of the AccessKey secret, the STS
//! secret and token, the bearer tokens, the JWT or the JWT secret appear.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

#[path = "it/common.rs"]
#[allow(dead_code)]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::{Harness, ALICE_TOKEN};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ossdirect::sign::{v4, RequestToSign};
use ossdirect_server::config::JwtConfig;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::EnvFilter;

const JWT_SECRET: &str = "log-test-jwt-secret-0123456789abcdef";

/// A writer appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_secrets() {
    let buffer = Buffer::default();
    let (text_writer, json_writer) = (buffer.clone(), buffer.clone());
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::new("trace"))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || text_writer.clone()),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(move || json_writer.clone()),
        );
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let h = Harness::start_with(|c| {
        c.auth.jwt = Some(JwtConfig {
            issuer: "issuer".into(),
            audience: "audience".into(),
            hs256_secret: Some(JWT_SECRET.to_owned().into()),
            ..JwtConfig::default()
        })
    })
    .await;
    // A full vend with a static bearer token.
    let vended = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    assert_eq!(vended.status, 200);
    // A JWT login.
    let claims = json!({"sub": "carol", "iss": "issuer", "aud": "audience",
        "exp": Utc::now().timestamp() + 600});
    let jwt = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let carol = h.get("/sts-token", Some(&jwt)).await;
    assert_eq!(carol.status, 200);
    // Refused: an unknown bearer token, an expired JWT.
    let wrong = "wrong-bearer-token-3f9c2a71";
    assert_eq!(h.get("/sts-token", Some(wrong)).await.status, 401);
    let expired_claims = json!({"sub": "carol", "iss": "issuer", "aud": "audience", "exp": 1});
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &expired_claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(h.get("/sts-token", Some(&expired)).await.status, 401);
    // A remote signature.
    let mut request =
        RequestToSign::new("PUT", Some(&h.info().bucket), Some("users/alice/log.txt"));
    let prepared =
        v4::prepare_header_signing(&mut request, None, &h.info().region, Utc::now(), &[]);
    let body = json!({"version": "v4", "method": "PUT", "bucket": request.bucket, "key": request.key,
        "query": request.query, "headers": request.headers, "string_to_sign": prepared.string_to_sign,
        "date": prepared.date, "region": h.info().region});
    assert_eq!(h.sign(ALICE_TOKEN, &body).await.status, 200);

    let logs = buffer.text();
    assert!(
        logs.contains("STS AssumeRole succeeded"),
        "the capture works:\n{logs}"
    );
    assert!(
        logs.contains("\"route\":\"/sts-token\""),
        "JSON lines are captured too"
    );
    let secrets = [
        (
            "the RAM user's AccessKeySecret",
            h.info().access_key_secret.clone(),
        ),
        (
            "alice's STS AccessKeySecret",
            vended.json["AccessKeySecret"].as_str().unwrap().to_owned(),
        ),
        (
            "alice's STS SecurityToken",
            vended.json["SecurityToken"].as_str().unwrap().to_owned(),
        ),
        (
            "carol's STS AccessKeySecret",
            carol.json["AccessKeySecret"].as_str().unwrap().to_owned(),
        ),
        (
            "carol's STS SecurityToken",
            carol.json["SecurityToken"].as_str().unwrap().to_owned(),
        ),
        ("alice's bearer token", ALICE_TOKEN.to_owned()),
        ("a wrong bearer token", wrong.to_owned()),
        ("the JWT", jwt.clone()),
        (
            "the JWT's signature",
            jwt.rsplit('.').next().unwrap().to_owned(),
        ),
        ("an expired JWT", expired.clone()),
        ("the JWT secret", JWT_SECRET.to_owned()),
    ];
    for (what, secret) in secrets {
        assert!(!secret.is_empty());
        assert!(!logs.contains(&secret), "{what} appears in the logs");
    }
}
