//! JWT authentication: HS256 and RS256 accepted, expired, tampered, wrong-audience and
//! wrong-issuer tokens refused; policy-widening subjects refused with 403.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ossdirect_server::config::JwtConfig;
use serde_json::{json, Value};

use crate::common::Harness;

const SECRET: &str = "jwt-test-secret-0123456789abcdef0123";
const ISSUER: &str = "https://login.example.com";
const AUDIENCE: &str = "ossdirect-app";

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

async fn harness() -> Harness {
    Harness::start_with(|c| {
        c.auth.jwt = Some(JwtConfig {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            leeway_seconds: 0,
            hs256_secret: Some(SECRET.to_owned().into()),
            rs256_public_key_file: Some(data("jwt-test-rs256.pub.pem")),
            ..JwtConfig::default()
        })
    })
    .await
}

fn claims(sub: &str, extra: Value) -> Value {
    let mut c = json!({"sub": sub, "iss": ISSUER, "aud": AUDIENCE,
        "exp": chrono::Utc::now().timestamp() + 600});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn rs256(claims: &Value) -> String {
    let pem = std::fs::read(data("jwt-test-rs256.key.pem")).unwrap();
    encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn valid_hs256_and_rs256_tokens_get_credentials() {
    let h = harness().await;
    let carol = h
        .get("/sts-token", Some(&hs256(&claims("carol", json!({})))))
        .await;
    assert_eq!(carol.status, 200, "{}", carol.json);
    let dave = h
        .get("/sts-token", Some(&rs256(&claims("dave", json!({})))))
        .await;
    assert_eq!(dave.status, 200, "{}", dave.json);
    assert_ne!(carol.json["AccessKeyId"], dave.json["AccessKeyId"]);
}

#[tokio::test]
async fn invalid_tokens_get_401() {
    let h = harness().await;
    let now = chrono::Utc::now().timestamp();
    let refused = [
        hs256(&claims("carol", json!({"exp": now - 120}))),
        hs256(&claims("carol", json!({"nbf": now + 600}))),
        hs256(&claims("carol", json!({"aud": "someone-else"}))),
        hs256(&claims("carol", json!({"iss": "https://evil.example.com"}))),
        rs256(&claims("dave", json!({"aud": "someone-else"}))),
        // Signed with another secret.
        encode(
            &Header::new(Algorithm::HS256),
            &claims("carol", json!({})),
            &EncodingKey::from_secret(b"another-secret-0123456789abcdef0123"),
        )
        .unwrap(),
    ];
    for token in &refused {
        h.get("/sts-token", Some(token))
            .await
            .assert_error(401, "InvalidToken");
    }
    // Tampered: alice's signature on a payload naming mallory.
    let genuine = hs256(&claims("alice", json!({})));
    let forged = hs256(&claims("mallory", json!({})));
    let parts: Vec<&str> = genuine.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        forged.split('.').nth(1).unwrap(),
        parts[2]
    );
    h.get("/sts-token", Some(&tampered))
        .await
        .assert_error(401, "InvalidToken");
    // An unsigned token ("alg": "none").
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims("carol", json!({})).to_string())
    );
    h.get("/sts-token", Some(&unsigned))
        .await
        .assert_error(401, "InvalidToken");
    assert_eq!(h.assume_role_count().await, 0);
}

#[tokio::test]
async fn policy_widening_subjects_get_403() {
    let h = harness().await;
    for sub in [
        "*",
        "a/b",
        "..",
        "a?",
        &"x".repeat(65),
        "${user}",
        "a\"b",
        "a b",
        "",
    ] {
        let answer = h
            .get("/sts-token", Some(&hs256(&claims(sub, json!({})))))
            .await;
        answer.assert_error(403, "InvalidUserId");
    }
    // 64 characters with the "jwt:" prefix.
    assert!(
        h.get(
            "/sts-token",
            Some(&hs256(&claims(&"x".repeat(60), json!({}))))
        )
        .await
        .status
            == 200
    );
    h.get(
        "/sts-token",
        Some(&hs256(&claims(&"x".repeat(61), json!({})))),
    )
    .await
    .assert_error(403, "InvalidUserId");
}

#[tokio::test]
async fn iss_arrays_string_nbf_and_long_lived_tokens_get_401() {
    let h = harness().await;
    let now = chrono::Utc::now().timestamp();
    for extra in [
        json!({"iss": [ISSUER]}),
        json!({"iss": ["https://evil.example.com", ISSUER]}),
        json!({"nbf": (now + 600).to_string()}),
        json!({"exp": now + 2 * 86_400}),
        json!({"iat": now - 86_400, "exp": now + 600}),
    ] {
        h.get("/sts-token", Some(&hs256(&claims("carol", extra.clone()))))
            .await
            .assert_error(401, "InvalidToken");
    }
    assert_eq!(h.assume_role_count().await, 0);
}

/// A subject chosen to be a static-token user's id does not get that user's prefix.
#[tokio::test]
async fn a_jwt_subject_never_becomes_a_static_token_user() {
    use crate::common::ALICE_TOKEN;
    let h = harness().await;
    let alice = h.token(Some(ALICE_TOKEN)).await;
    let impostor = h.token(Some(&hs256(&claims("alice", json!({}))))).await;
    assert_ne!(alice.access_key_id(), impostor.access_key_id());
    let client = h.static_client(impostor);
    let bucket = h.info().bucket.clone();
    let stolen = client
        .put_object(
            &bucket,
            "users/alice/stolen.txt",
            b"x".to_vec(),
            &Default::default(),
        )
        .await;
    assert!(stolen.is_err());
    client
        .put_object(
            &bucket,
            "users/jwt:alice/mine.txt",
            b"x".to_vec(),
            &Default::default(),
        )
        .await
        .unwrap();
}
