//! Signature verification: presigned URLs, tampering, the clock window, tokens in headers.

use chrono::{Duration, Utc};
use ossdirect::{Credentials, RetryPolicy, SignatureVersion};

use crate::common::{error_code, send, xml_field, Harness, Raw};

#[tokio::test]
async fn presigned_get_and_put() {
    let h = Harness::start().await;
    let info = h.info();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let key = format!("presigned/{version} key+ü");
        let put = Raw::new("PUT", &info.bucket, Some(&key)).header("Content-Type", "text/plain");
        let url = put.presign(info, &h.user(), version, Utc::now(), 600);
        let r = h
            .http
            .put(&url)
            .header("Content-Type", "text/plain")
            .body("presigned body")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{version} PUT: {}",
            r.text().await.unwrap()
        );

        let get = Raw::new("GET", &info.bucket, Some(&key));
        let url = get.presign(info, &h.user(), version, Utc::now(), 600);
        let r = h.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{version} GET");
        assert_eq!(r.text().await.unwrap(), "presigned body");

        let expired = get.presign(
            info,
            &h.user(),
            version,
            Utc::now() - Duration::seconds(700),
            600,
        );
        let (status, code, body) = error_code(h.http.get(&expired).send().await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "AccessDenied"),
            "{version}: {body}"
        );
        assert!(body.contains("Request has expired"), "{body}");
    }
}

#[tokio::test]
async fn presigned_put_checks_the_signed_content_type() {
    let h = Harness::start().await;
    let info = h.info();
    let put = Raw::new("PUT", &info.bucket, Some("typed")).header("Content-Type", "text/plain");
    let url = put.presign(info, &h.user(), SignatureVersion::V4, Utc::now(), 600);
    let r = h
        .http
        .put(&url)
        .header("Content-Type", "image/png")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn tampered_signatures_show_what_the_server_signed() {
    let h = Harness::start().await;
    let info = h.info();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let raw = Raw::new("PUT", &info.bucket, Some("t.txt")).body("x");
        let (url, mut headers) = raw.sign(info, &h.user(), version, Utc::now());
        for (k, v) in headers.iter_mut() {
            if k.eq_ignore_ascii_case("authorization") {
                // Change the last signature character.
                let last = v.pop().unwrap();
                v.push(if last == 'a' { 'b' } else { 'a' });
            }
        }
        let r = send(&h, "PUT", &url, &headers, b"x".to_vec()).await;
        let (status, code, body) = error_code(r).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "SignatureDoesNotMatch"),
            "{version}"
        );
        let sts = xml_field(&body, "StringToSign").expect("StringToSign");
        assert!(
            sts.ends_with(&format!("/{}/t.txt", info.bucket))
                || sts.starts_with("OSS4-HMAC-SHA256")
        );
        assert_eq!(
            xml_field(&body, "OSSAccessKeyId").as_deref(),
            Some(info.access_key_id.as_str())
        );
        if version == SignatureVersion::V4 {
            let canonical = xml_field(&body, "CanonicalRequest").expect("CanonicalRequest");
            assert!(
                canonical.starts_with(&format!("PUT\n/{}/t.txt\n", info.bucket)),
                "{canonical}"
            );
        }
    }
    // A wrong secret is a mismatch too; an unknown key is InvalidAccessKeyId.
    let wrong = Credentials::new(&info.access_key_id, "not-the-secret");
    let r = Raw::new("GET", &info.bucket, Some("t.txt"))
        .send(&h, &wrong, SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "SignatureDoesNotMatch");
    let unknown = Credentials::new("LTAInobody", "x");
    let r = Raw::new("GET", &info.bucket, Some("t.txt"))
        .send(&h, &unknown, SignatureVersion::V1)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidAccessKeyId");
    let r = h
        .http
        .get(format!("{}/{}/t.txt", info.oss_endpoint, info.bucket))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(r).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"), "anonymous");
}

#[tokio::test]
async fn clock_window_is_fifteen_minutes() {
    let h = Harness::start().await;
    let info = h.info();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let raw = Raw::new("GET", &info.bucket, Some("missing"));
        let (url, headers) = raw.sign(info, &h.user(), version, Utc::now() - Duration::minutes(10));
        let r = send(&h, "GET", &url, &headers, Vec::new()).await;
        assert_eq!(
            error_code(r).await.1,
            "NoSuchKey",
            "{version}: 10 minutes off is fine"
        );
        let (url, headers) = raw.sign(info, &h.user(), version, Utc::now() + Duration::minutes(16));
        let r = send(&h, "GET", &url, &headers, Vec::new()).await;
        let (status, code, body) = error_code(r).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "RequestTimeTooSkewed"),
            "{version}"
        );
        assert!(xml_field(&body, "ServerTime").is_some());
    }
    // The emulator's own clock can be moved; the SDK corrects its clock from the Date header.
    let r = h
        .http
        .put(h.control("clock"))
        .body(r#"{"offset_seconds": 3600}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let raw = Raw::new("GET", &info.bucket, Some("missing"));
    let r = raw.send(&h, &h.user(), SignatureVersion::V4).await;
    assert_eq!(error_code(r).await.1, "RequestTimeTooSkewed");
    let client = h.client_with(h.user(), SignatureVersion::V4, RetryPolicy::default());
    let put = client
        .put_object(&info.bucket, "late", "x", &Default::default())
        .await;
    assert!(put.is_ok(), "SDK adjusts to the server clock: {put:?}");
}

#[tokio::test]
async fn v4_scope_must_match_region_and_date() {
    let h = Harness::start().await;
    let info = h.info();
    let raw = Raw::new("GET", &info.bucket, Some("k"));
    let (url, headers) = raw.sign(info, &h.user(), SignatureVersion::V4, Utc::now());
    let wrong_region: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.clone(), v.replace("/cn-hangzhou/", "/cn-beijing/")))
        .collect();
    let (status, code, body) =
        error_code(send(&h, "GET", &url, &wrong_region, Vec::new()).await).await;
    assert_eq!((status, code.as_str()), (400, "InvalidArgument"), "{body}");
    assert!(body.contains("cn-beijing"));
    // oss2's ", " separators and AdditionalHeaders after Signature are accepted.
    let spaced: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.clone(), v.replace(",Signature=", ", Signature=")))
        .collect();
    let r = send(&h, "GET", &url, &spaced, Vec::new()).await;
    assert_eq!(error_code(r).await.1, "NoSuchKey");
}

/// The Python SDK v2's V1 signer leaves `x-oss-*` query parameters out of the string to sign;
/// the other SDKs sign them. The unsigned form is accepted only with the emulator option
/// `lenient_v1_oss_query`, and a wrong signature never is.
#[tokio::test]
async fn v1_accepts_unsigned_x_oss_query_parameters_only_when_lenient() {
    for lenient in [false, true] {
        let h = Harness::start_with(|o| o.lenient_v1_oss_query = lenient).await;
        let info = h.info().clone();
        let creds = h.user();
        let put = Raw::new("PUT", &info.bucket, Some("traffic.txt")).body("limited");
        assert_eq!(
            put.send(&h, &creds, SignatureVersion::V1).await.status(),
            200
        );

        let get = Raw::new("GET", &info.bucket, Some("traffic.txt"))
            .query("x-oss-traffic-limit", Some("819200"));
        // Signed with the parameter as a sub-resource (Go, Java, ... and core).
        assert_eq!(
            get.send(&h, &creds, SignatureVersion::V1).await.status(),
            200
        );
        // Signed without it (Python SDK v2), sent with it.
        let unsigned = Raw::new("GET", &info.bucket, Some("traffic.txt"));
        let (_, headers) = unsigned.sign(&info, &creds, SignatureVersion::V1, Utc::now());
        let url = get.url(&info, &get.query);
        let expected = if lenient { 200 } else { 403 };
        assert_eq!(
            send(&h, "GET", &url, &headers, Vec::new()).await.status(),
            expected
        );
        // A V1 presigned URL with unsigned parameters appended.
        let presigned = unsigned.presign(&info, &creds, SignatureVersion::V1, Utc::now(), 600);
        for extra in [
            "x-oss-process=image%2Fresize%2Cw_10",
            "x-oss-traffic-limit=819200",
        ] {
            let extended = format!("{presigned}&{extra}");
            let status = h.http.get(&extended).send().await.unwrap().status();
            assert_eq!(status, expected, "{extra}");
        }
        // A signature for another object is refused either way.
        let other = Raw::new("GET", &info.bucket, Some("other.txt"));
        let (_, headers) = other.sign(&info, &creds, SignatureVersion::V1, Utc::now());
        assert_eq!(
            send(&h, "GET", &url, &headers, Vec::new()).await.status(),
            403
        );
    }
}

/// OSS accepts only `UNSIGNED-PAYLOAD` in a V4 request's `x-oss-content-sha256` (400
/// InvalidArgument, EC 0002-00000214): a digest there is never checked against the body.
#[tokio::test]
async fn v4_content_sha256_other_than_unsigned_payload_is_refused() {
    use sha2::Digest;
    let h = Harness::start().await;
    let info = h.info().clone();
    let creds = h.user();
    let other_body = hex::encode(sha2::Sha256::digest(b"another body"));
    let put = Raw::new("PUT", &info.bucket, Some("sha.txt"))
        .body("the body")
        .header("x-oss-content-sha256", &other_body);
    let r = put.send(&h, &creds, SignatureVersion::V4).await;
    assert_eq!(r.headers()["x-oss-ec"], "0002-00000214");
    let (status, code, body) = error_code(r).await;
    assert_eq!((status, code.as_str()), (400, "InvalidArgument"), "{body}");
    assert!(body.contains("<EC>0002-00000214</EC>"), "{body}");
    assert!(
        body.contains("<ArgumentName>x-oss-content-sha256</ArgumentName>"),
        "{body}"
    );
    // Nothing was stored; UNSIGNED-PAYLOAD (what every SDK sends) works.
    let ok = Raw::new("PUT", &info.bucket, Some("sha.txt")).body("the body");
    assert_eq!(
        ok.send(&h, &creds, SignatureVersion::V4).await.status(),
        200
    );
}
