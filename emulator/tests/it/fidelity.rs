//! Answers checked byte for byte where the official SDKs hide them: authentication before 501,
//! `?regions`, and CopyObject's preconditions and failures (which must never store anything).

use chrono::{Duration, Utc};
use ossdirect::{Credentials, SignatureVersion};

use crate::common::{error_code, send, xml_field, Harness, Raw};

fn service(query: &str) -> Raw {
    Raw {
        method: "GET",
        bucket: None,
        key: None,
        query: vec![(query.to_owned(), None)],
        headers: Vec::new(),
        body: Vec::new(),
    }
}

#[tokio::test]
async fn unimplemented_operations_authenticate_first() {
    let h = Harness::start().await;
    let bucket = h.info().bucket.clone();
    let tagging = || Raw::new("GET", &bucket, None).query("tagging", None);
    let v4 = SignatureVersion::V4;

    let stranger = Credentials::new("LTAIunknownunknown0000", "secret");
    let (status, code, _) = error_code(tagging().send(&h, &stranger, v4).await).await;
    assert_eq!((status, code.as_str()), (403, "InvalidAccessKeyId"));

    let (url, headers) = tagging().sign(h.info(), &h.user(), v4, Utc::now() - Duration::hours(1));
    let (status, code, _) = error_code(send(&h, "GET", &url, &headers, Vec::new()).await).await;
    assert_eq!((status, code.as_str()), (403, "RequestTimeTooSkewed"));

    let r = send(
        &h,
        "GET",
        &tagging().url(h.info(), &tagging().query),
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(error_code(r).await.1, "AccessDenied", "anonymous");

    let (status, code, _) = error_code(tagging().send(&h, &h.user(), v4).await).await;
    assert_eq!((status, code.as_str()), (501, "NotImplemented"));
}

#[tokio::test]
async fn regions_is_not_list_buckets() {
    let h = Harness::start().await;
    let r = service("regions")
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let (status, code, body) = error_code(r).await;
    assert_eq!((status, code.as_str()), (501, "NotImplemented"), "{body}");
    let stranger = Credentials::new("LTAIunknownunknown0000", "secret");
    let r = service("regions")
        .send(&h, &stranger, SignatureVersion::V1)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidAccessKeyId");
}

#[tokio::test]
async fn copy_object_answers_and_never_stores_a_failed_copy() {
    let h = Harness::start().await;
    let user = h.user();
    let bucket = h.info().bucket.clone();
    let v1 = SignatureVersion::V1;
    let put = |key: &str, body: &str| Raw::new("PUT", &bucket, Some(key)).body(body.to_owned());
    let r = put("src key+ü", "source bytes")
        .header("x-oss-meta-colour", "blue")
        .send(&h, &user, v1)
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let crc = r.headers()["x-oss-hash-crc64ecma"]
        .to_str()
        .unwrap()
        .to_owned();
    put("dst", "keep me").send(&h, &user, v1).await;
    let copy =
        |source: &str| Raw::new("PUT", &bucket, Some("dst")).header("x-oss-copy-source", source);
    let source = format!("/{bucket}/src%20key%2B%C3%BC");
    let dst = || Raw::new("GET", &bucket, Some("dst"));

    let cases = [
        (copy(&format!("/{bucket}/missing")), 404, "NoSuchKey"),
        (copy("/no-such-bucket/src"), 404, "NoSuchBucket"),
        (copy("nobucketnokey"), 400, "InvalidArgument"),
        (
            copy(&source).header("x-oss-copy-source-if-match", "\"0000\""),
            412,
            "PreconditionFailed",
        ),
        (
            copy(&source).header("x-oss-metadata-directive", "MOVE"),
            400,
            "InvalidArgument",
        ),
    ];
    for (request, status, expected) in cases {
        let (got, code, body) = error_code(request.send(&h, &user, v1).await).await;
        assert_eq!((got, code.as_str()), (status, expected), "{body}");
        assert_eq!(dst().text(&h, &user, v1).await, "keep me", "{expected}");
    }
    let r = copy(&source)
        .header("x-oss-copy-source-if-none-match", &etag)
        .send(&h, &user, v1)
        .await;
    assert_eq!(r.status(), 304);
    assert_eq!(dst().text(&h, &user, v1).await, "keep me");

    let r = copy(&source)
        .header("x-oss-copy-source-if-match", &etag)
        .send(&h, &user, v1)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-oss-hash-crc64ecma"].to_str().unwrap(), crc);
    let body = r.text().await.unwrap();
    assert!(body.contains("<CopyObjectResult>"), "{body}");
    assert_eq!(xml_field(&body, "ETag").as_deref(), Some(etag.as_str()));
    assert!(xml_field(&body, "LastModified").is_some_and(|t| t.ends_with(".000Z")));
    let r = dst().send(&h, &user, v1).await;
    assert_eq!(
        r.headers()["x-oss-meta-colour"],
        "blue",
        "COPY keeps metadata"
    );
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.text().await.unwrap(), "source bytes");
}

#[tokio::test]
async fn bucket_names_and_configurations_are_checked() {
    let h = Harness::start().await;
    let user = h.user();
    let v4 = SignatureVersion::V4;
    let cases = [
        (Raw::new("PUT", "Bad_Name", None), 400, "InvalidBucketName"),
        (
            Raw::new("PUT", "fine-name", None).header("x-oss-acl", "everyone"),
            400,
            "InvalidArgument",
        ),
        (
            Raw::new("PUT", "fine-name", None)
                .header("Content-Type", "application/xml")
                .body("<CreateBucketConfiguration><StorageClass>Gold</StorageClass></CreateBucketConfiguration>"),
            400,
            "InvalidStorageClass",
        ),
        (
            Raw::new("PUT", &h.info().bucket, None),
            409,
            "BucketAlreadyExists",
        ),
        (Raw::new("DELETE", "never-made", None), 404, "NoSuchBucket"),
    ];
    for (request, status, expected) in cases {
        let (got, code, body) = error_code(request.send(&h, &user, v4).await).await;
        assert_eq!((got, code.as_str()), (status, expected), "{body}");
    }
    let list_buckets = Raw {
        query: Vec::new(),
        ..service("")
    };
    let body = list_buckets.text(&h, &user, v4).await;
    assert!(!body.contains("fine-name"), "{body}");
}
