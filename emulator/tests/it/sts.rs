//! STS AssumeRole and what its credentials may do.

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use ossdirect::sign::uri_encode;
use ossdirect::sts::{AssumeRoleRequest, StsClient};
use ossdirect::{Credentials, GetObjectOptions, SignatureVersion};
use sha2::{Digest, Sha256};

use crate::common::{code, error_code, Harness, JsonBody, Raw};

fn request(h: &Harness, duration: u64, policy: Option<&str>) -> AssumeRoleRequest {
    AssumeRoleRequest {
        role_arn: h.info().role_arn.clone(),
        role_session_name: "test-session".into(),
        duration_seconds: duration,
        policy: policy.map(str::to_owned),
        external_id: None,
    }
}

fn sts_client(h: &Harness, caller: Credentials) -> StsClient {
    StsClient::new(&h.info().sts_endpoint, caller, Duration::from_secs(10)).unwrap()
}

/// AssumeRole through the core SDK's RPC (HMAC-SHA1, form body) signer.
async fn assume(h: &Harness, duration: u64, policy: Option<&str>) -> Credentials {
    sts_client(h, h.user())
        .assume_role(&request(h, duration, policy))
        .await
        .expect("AssumeRole")
        .credentials
}

#[tokio::test]
async fn assumed_role_credentials_work_within_the_role_policy() {
    let h = Harness::start_with(|o| {
        let config = o.data_dir.join("emulator.toml");
        std::fs::write(&config, "buckets = [\"other-bucket\"]\n").unwrap();
        o.config_file = Some(config);
    })
    .await;
    let creds = assume(&h, 900, None).await;
    assert!(creds.access_key_id().starts_with("STS."));
    assert!(creds.expiration().is_some());
    let bucket = &h.info().bucket;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let client = h.client(creds.clone(), version);
        client
            .put_object(bucket, "sts.txt", "from sts", &Default::default())
            .await
            .expect("put with STS credentials");
        let got = client
            .get_object(bucket, "sts.txt", &GetObjectOptions::default())
            .await
            .unwrap();
        assert_eq!(got.body.as_ref(), b"from sts");
        let denied = client
            .put_object("other-bucket", "x", "x", &Default::default())
            .await;
        assert_eq!(
            code(denied),
            "AccessDenied",
            "the role policy names one bucket"
        );
    }
    // The user itself may use the other bucket.
    h.client(h.user(), SignatureVersion::V4)
        .put_object("other-bucket", "x", "x", &Default::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn session_policy_narrows_to_a_prefix() {
    let h = Harness::start().await;
    let policy = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:{}/allowed/*"}}]}}"#,
        h.info().bucket
    );
    let creds = assume(&h, 900, Some(&policy)).await;
    let client = h.client(creds, SignatureVersion::V4);
    let bucket = &h.info().bucket;
    client
        .put_object(bucket, "allowed/a.txt", "ok", &Default::default())
        .await
        .expect("inside the prefix");
    let denied = client
        .put_object(bucket, "elsewhere/a.txt", "no", &Default::default())
        .await;
    let e = denied.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(e.to_string().contains("oss:PutObject"), "{e}");
}

#[tokio::test]
async fn expired_and_tampered_tokens_are_refused() {
    let h = Harness::start_with(|o| o.sts_min_duration = Some(1)).await;
    let bucket = h.info().bucket.clone();
    let creds = assume(&h, 1, None).await;
    let token = creds.security_token().unwrap().to_owned();

    let mut tampered = token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = Credentials::sts(
        creds.access_key_id(),
        creds.access_key_secret(),
        String::from_utf8(tampered).unwrap(),
        None,
    );
    let r = Raw::new("GET", &bucket, Some("k"))
        .send(&h, &tampered, SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidSecurityToken");

    let no_token = Credentials::new(creds.access_key_id(), creds.access_key_secret());
    let r = Raw::new("GET", &bucket, Some("k"))
        .send(&h, &no_token, SignatureVersion::V1)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidAccessKeyId");

    let other = assume(&h, 900, None).await;
    let mixed = Credentials::sts(
        creds.access_key_id(),
        creds.access_key_secret(),
        other.security_token().unwrap(),
        None,
    );
    let r = Raw::new("GET", &bucket, Some("k"))
        .send(&h, &mixed, SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "AccessKeyIdAndSecurityTokenNotMatch");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = Raw::new("GET", &bucket, Some("k"))
        .send(&h, &creds, SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "SecurityTokenExpired");
}

#[tokio::test]
async fn unsigned_security_token_header_of_the_python_v1_signer() {
    let h = Harness::start().await;
    let creds = assume(&h, 900, None).await;
    let bucket = h.info().bucket.clone();
    // Sign without the token, then send it in the unsigned `security-token` header.
    let unsigned = Credentials::new(creds.access_key_id(), creds.access_key_secret());
    let raw = Raw::new("PUT", &bucket, Some("py.txt")).body("py");
    let (url, mut headers) = raw.sign(h.info(), &unsigned, SignatureVersion::V1, Utc::now());
    headers.push((
        "security-token".into(),
        creds.security_token().unwrap().into(),
    ));
    let r = crate::common::send(&h, "PUT", &url, &headers, b"py".to_vec()).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// AssumeRole signed with ACS3-HMAC-SHA256 the way alibabacloud-sts20150401 does it: POST to
/// `/` with the parameters in the query and an empty body.
async fn acs3_assume_role(
    h: &Harness,
    params: &[(&str, &str)],
    secret: &str,
    nonce: &str,
) -> reqwest::Response {
    acs3_signed_over(h, params, secret, nonce, None).await
}

/// As [`acs3_assume_role`], signing only the headers named in `only` (all when `None`).
async fn acs3_signed_over(
    h: &Harness,
    params: &[(&str, &str)],
    secret: &str,
    nonce: &str,
    only: Option<&[&str]>,
) -> reqwest::Response {
    let info = h.info();
    let host = info.sts_endpoint.trim_start_matches("http://").to_owned();
    let mut sorted: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    sorted.sort();
    let query: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let query = query.join("&");
    let empty_hash = hex::encode(Sha256::digest(b""));
    let headers = [
        ("accept", "application/json".to_owned()),
        ("host", host),
        ("x-acs-action", "AssumeRole".to_owned()),
        ("x-acs-content-sha256", empty_hash.clone()),
        (
            "x-acs-date",
            Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        ("x-acs-signature-nonce", nonce.to_owned()),
        ("x-acs-version", "2015-04-01".to_owned()),
    ];
    let is_signed = |k: &str| only.is_none_or(|names| names.contains(&k));
    let canonical_headers: String = headers
        .iter()
        .filter(|(k, _)| is_signed(k))
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    let signed: Vec<&str> = headers
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| is_signed(k))
        .collect();
    let signed = signed.join(";");
    let canonical = format!("POST\n/\n{query}\n{canonical_headers}\n{signed}\n{empty_hash}");
    let string_to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut builder = h.http.post(format!("{}/?{query}", info.sts_endpoint));
    for (k, v) in &headers {
        if *k != "host" {
            builder = builder.header(*k, v);
        }
    }
    builder
        .header(
            "Authorization",
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed},Signature={signature}",
                info.access_key_id
            ),
        )
        .send()
        .await
        .unwrap()
}

/// Parameters of an AssumeRole call and the (status, code) expected.
type Case<'a> = (Vec<(&'a str, &'a str)>, (u16, &'a str));

async fn sts_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json_value().await;
    (status, body["Code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn acs3_signed_assume_role_and_parameter_checks() {
    let h = Harness::start().await;
    let info = h.info().clone();
    let secret = info.access_key_secret.clone();
    let arn = info.role_arn.as_str();
    let r = acs3_assume_role(
        &h,
        &[
            ("RoleArn", arn),
            ("RoleSessionName", "my session"),
            ("DurationSeconds", "900"),
        ],
        &secret,
        "nonce-1",
    )
    .await;
    assert_eq!(
        sts_error(r).await,
        (400, "InvalidParameter.RoleSessionName".into())
    );
    let r = acs3_assume_role(
        &h,
        &[
            ("RoleArn", arn),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "900"),
        ],
        &secret,
        "nonce-2",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: serde_json::Value = r.json_value().await;
    assert!(body["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .starts_with("STS."));
    assert_eq!(
        body["AssumedRoleUser"]["Arn"],
        format!(
            "acs:ram::{}:assumed-role/ossdirect-dev-role/s1",
            info.account_id
        )
    );
    let r = acs3_assume_role(
        &h,
        &[("RoleArn", arn), ("RoleSessionName", "s1")],
        &secret,
        "nonce-2",
    )
    .await;
    assert_eq!(sts_error(r).await, (400, "SignatureNonceUsed".into()));
    let r = acs3_assume_role(
        &h,
        &[("RoleArn", arn), ("RoleSessionName", "s1")],
        "wrong",
        "nonce-3",
    )
    .await;
    assert_eq!(sts_error(r).await, (400, "SignatureDoesNotMatch".into()));

    let unknown_role = format!("acs:ram::{}:role/nope", info.account_id);
    let long_policy = "x".repeat(2049);
    let cases: Vec<Case<'_>> = vec![
        (
            vec![
                ("RoleArn", "arn:aws:iam::1:role/x"),
                ("RoleSessionName", "s"),
            ],
            (400, "InvalidParameter.RoleArn"),
        ),
        (
            vec![("RoleArn", &unknown_role), ("RoleSessionName", "s1")],
            (404, "EntityNotExist.Role"),
        ),
        (
            vec![
                ("RoleArn", arn),
                ("RoleSessionName", "s1"),
                ("DurationSeconds", "899"),
            ],
            (400, "InvalidParameter.DurationSeconds"),
        ),
        (
            vec![
                ("RoleArn", arn),
                ("RoleSessionName", "s1"),
                ("DurationSeconds", "3601"),
            ],
            (400, "InvalidParameter.DurationSeconds"),
        ),
        (
            vec![
                ("RoleArn", arn),
                ("RoleSessionName", "s1"),
                ("Policy", "{\"Version\":\"1\"}"),
            ],
            (400, "InvalidParameter.PolicyGrammar"),
        ),
        (
            vec![
                ("RoleArn", arn),
                ("RoleSessionName", "s1"),
                ("Policy", &long_policy),
            ],
            (400, "InvalidParameter.PolicySize"),
        ),
    ];
    for (i, (params, expected)) in cases.into_iter().enumerate() {
        let r = acs3_assume_role(&h, &params, &secret, &format!("case-{i}")).await;
        assert_eq!(
            sts_error(r).await,
            (expected.0, expected.1.to_owned()),
            "case {i}"
        );
    }
    let stranger = Credentials::new("LTAIstranger", "x");
    let e = sts_client(&h, stranger)
        .assume_role(&request(&h, 900, None))
        .await;
    assert_eq!(code(e), "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn trust_policy_limits_who_may_assume() {
    let h = Harness::start_with(|o| {
        let config = o.data_dir.join("emulator.toml");
        std::fs::write(
            &config,
            r#"
[[users]]
name = "alice"
access_key_id = "LTAIalice000000000000"
access_key_secret = "alice-secret"
policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'

[[roles]]
name = "alice-only"
trusted_users = ["alice"]
policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}'
"#,
        )
        .unwrap();
        o.config_file = Some(config);
    })
    .await;
    let arn = format!("acs:ram::{}:role/alice-only", h.info().account_id);
    let mut req = request(&h, 900, None);
    req.role_arn = arn;
    let e = sts_client(&h, h.user()).assume_role(&req).await;
    assert_eq!(code(e), "NoPermission");
    let alice = Credentials::new("LTAIalice000000000000", "alice-secret");
    let creds = sts_client(&h, alice.clone())
        .assume_role(&req)
        .await
        .unwrap()
        .credentials;
    let client = h.client(creds, SignatureVersion::V4);
    let put = client
        .put_object(&h.info().bucket, "x", "x", &Default::default())
        .await;
    assert_eq!(code(put), "AccessDenied", "the role only reads");
    let get = client
        .get_object(&h.info().bucket, "x", &Default::default())
        .await;
    assert_eq!(code(get), "NoSuchKey", "reading is allowed");
    // alice has no OSS permissions of her own.
    let e = h
        .client(alice, SignatureVersion::V1)
        .get_object(&h.info().bucket, "x", &Default::default())
        .await;
    assert_eq!(code(e), "AccessDenied");
}

/// A request signed over `host` alone could be replayed with a fresh date and nonce: `host`,
/// every `x-acs-*` header and `content-type` must be signed.
#[tokio::test]
async fn acs3_signatures_must_cover_host_and_every_x_acs_header() {
    let h = Harness::start().await;
    let secret = h.info().access_key_secret.clone();
    let role = h.info().role_arn.clone();
    let params = [
        ("Action", "AssumeRole"),
        ("RoleArn", role.as_str()),
        ("RoleSessionName", "replayed"),
    ];
    let cases: [&[&str]; 3] = [
        &["host"],
        &[
            "host",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-version",
        ],
        &[
            "accept",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-version",
        ],
    ];
    for (i, only) in cases.into_iter().enumerate() {
        let r = acs3_signed_over(&h, &params, &secret, &format!("replay-{i}"), Some(only)).await;
        let (status, code) = sts_error(r).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "IncompleteSignature"),
            "{only:?}"
        );
    }
    assert_eq!(
        acs3_assume_role(&h, &params, &secret, "all-signed")
            .await
            .status(),
        200
    );
}
