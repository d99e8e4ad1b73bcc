//! Remote signing: requests inside the user's prefix get signatures the emulator accepts;
//! anything outside, or a string to sign that is not the request's, is refused.

use std::sync::Arc;

use chrono::Utc;
use ossdirect::sign::{v1, v4, RequestToSign, SignatureVersion};
use ossdirect::signer::{RemoteSigner, SigningEndpoint};
use ossdirect::{Client, Endpoint, PutObjectOptions};
use ossdirect_server::SignResponse;
use serde_json::{json, Value};

use crate::common::{Answer, Harness, ALICE_TOKEN};

/// Prepares `request` for header signing (as the SDK's remote signer does) and describes it.
fn describe(
    h: &Harness,
    version: SignatureVersion,
    request: &mut RequestToSign,
    token: Option<&str>,
) -> Value {
    let now = Utc::now();
    let region = &h.info().region;
    let (string_to_sign, date) = match version {
        SignatureVersion::V1 => (
            v1::prepare_header_signing(request, token, now, &[]),
            now.format("%Y%m%d").to_string(),
        ),
        SignatureVersion::V4 => {
            let p = v4::prepare_header_signing(request, token, region, now, &[]);
            (p.string_to_sign, p.date)
        }
    };
    json!({
        "version": version.to_string(),
        "method": request.method,
        "bucket": request.bucket,
        "key": request.key,
        "query": request.query,
        "headers": request.headers,
        "string_to_sign": string_to_sign,
        "date": date,
        "region": region,
    })
}

fn put(h: &Harness, key: &str) -> RequestToSign {
    let mut r = RequestToSign::new("PUT", Some(&h.info().bucket), Some(key));
    r.set_header("Content-Type", "text/plain");
    r
}

/// Sends `request` to the emulator with the server's signature.
async fn send(
    h: &Harness,
    version: SignatureVersion,
    mut request: RequestToSign,
    signed: &SignResponse,
    date: &str,
) -> u16 {
    request.set_header("x-oss-security-token", signed.security_token.clone());
    let authorization = match version {
        SignatureVersion::V1 => format!("OSS {}:{}", signed.access_key_id, signed.signature),
        SignatureVersion::V4 => format!(
            "{} Credential={}/{},Signature={}",
            v4::ALGORITHM,
            signed.access_key_id,
            v4::scope(date, &h.info().region),
            signed.signature
        ),
    };
    let url = format!(
        "{}/{}/{}",
        h.info().oss_endpoint,
        request.bucket.as_deref().unwrap_or_default(),
        request.key.as_deref().unwrap_or_default()
    );
    let mut http = h.http.request(request.method.parse().unwrap(), url);
    for (name, value) in &request.headers {
        http = http.header(name, value);
    }
    let response = http
        .header("Authorization", authorization)
        .body("hello")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert!(status == 200, "{status}: {text}");
    status
}

fn signed(answer: &Answer) -> SignResponse {
    assert_eq!(answer.status, 200, "{}", answer.json);
    serde_json::from_value(answer.json.clone()).unwrap()
}

#[tokio::test]
async fn requests_inside_the_prefix_are_signed_and_accepted() {
    let h = Harness::start().await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        // First without a token: the answer names the credentials, and the signature covers
        // their token.
        let mut request = put(&h, &format!("users/alice/remote-{version}.txt"));
        let body = describe(&h, version, &mut request, None);
        let first = signed(&h.sign(ALICE_TOKEN, &body).await);
        assert!(first.access_key_id.starts_with("STS."));
        send(&h, version, request, &first, body["date"].as_str().unwrap()).await;
        // Then with the token, as the SDK's remote signer does once it knows it.
        let mut request = put(&h, &format!("users/alice/again-{version}.txt"));
        let body = describe(&h, version, &mut request, Some(&first.security_token));
        let second = signed(&h.sign(ALICE_TOKEN, &body).await);
        assert_eq!(second.access_key_id, first.access_key_id);
        send(
            &h,
            version,
            request,
            &second,
            body["date"].as_str().unwrap(),
        )
        .await;
    }
    // One AssumeRole for all four signatures.
    assert_eq!(h.assume_role_count().await, 1);
}

#[tokio::test]
async fn requests_outside_the_policy_are_refused() {
    let h = Harness::start().await;
    let mut outside = put(&h, "users/bob/x.txt");
    let body = describe(&h, SignatureVersion::V4, &mut outside, None);
    h.sign(ALICE_TOKEN, &body)
        .await
        .assert_error(403, "AccessDenied");
    let mut other_bucket = RequestToSign::new("PUT", Some("other-bucket"), Some("users/alice/x"));
    let body = describe(&h, SignatureVersion::V1, &mut other_bucket, None);
    h.sign(ALICE_TOKEN, &body)
        .await
        .assert_error(403, "AccessDenied");
    let mut delete = RequestToSign::new("DELETE", Some(&h.info().bucket), Some("users/alice/x"));
    let body = describe(&h, SignatureVersion::V4, &mut delete, None);
    h.sign(ALICE_TOKEN, &body)
        .await
        .assert_error(403, "AccessDenied");
    // No credentials, no signature.
    let answer = crate::common::answer(
        h.http
            .post(format!("{}/sign", h.server.url()))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    answer.assert_error(401, "MissingCredentials");
    assert_eq!(h.assume_role_count().await, 0, "refusals never reach STS");
}

#[tokio::test]
async fn a_string_to_sign_that_is_not_the_requests_is_refused() {
    let h = Harness::start().await;
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let mut request = put(&h, "users/alice/a.txt");
        let mut body = describe(&h, version, &mut request, None);
        // An opaque string for another request: the server must not sign it.
        body["string_to_sign"] = json!(format!(
            "PUT\n\n\n{}\n/{}/users/bob/a.txt",
            v1::http_date(Utc::now()),
            h.info().bucket
        ));
        let a = h.sign(ALICE_TOKEN, &body).await;
        a.assert_error(403, "StringToSignMismatch");
    }
    let a = h.sign(ALICE_TOKEN, &json!({"version": "v4"})).await;
    a.assert_error(400, "InvalidRequest");
}

#[tokio::test]
async fn the_sdk_remote_signer_uploads_through_the_server() {
    let h = Harness::start().await;
    // The SDK's own HTTP source for `POST /sign`: the device holds no secret and learns the
    // identity (AccessKeyId + token) from the answers.
    let source = Arc::new(
        SigningEndpoint::new(
            format!("{}/sign", h.server.url()),
            vec![("Authorization".into(), format!("Bearer {ALICE_TOKEN}"))],
            std::time::Duration::from_secs(10),
        )
        .unwrap(),
    );
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let signer = RemoteSigner::new(version, h.info().region.clone(), source.clone());
        let client = Client::builder(&h.info().region)
            .endpoint(Endpoint::parse(&h.info().oss_endpoint).unwrap())
            .signer(Arc::new(signer))
            .retry_policy(ossdirect::RetryPolicy::none())
            .build()
            .unwrap();
        let bucket = &h.info().bucket;
        for n in 0..2 {
            client
                .put_object(
                    bucket,
                    &format!("users/alice/sdk-{version}-{n}.txt"),
                    "hi",
                    &PutObjectOptions::default(),
                )
                .await
                .unwrap();
        }
        let refused = client
            .put_object(
                bucket,
                "users/bob/sdk.txt",
                "hi",
                &PutObjectOptions::default(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, ossdirect::Error::Signing(m) if m.contains("AccessDenied")),
            "{refused}"
        );
    }
}
