//! Every object operation, V1 and V4, with the default user.

use ossdirect::api::CompleteOptions;
use ossdirect::{crc64, GetObjectOptions, PutObjectOptions, SignatureVersion};

use crate::common::{code, error_code, xml_field, Harness, Raw};

const KEY: &str = "dir/my key+ü.txt";

async fn every_operation(version: SignatureVersion) {
    let h = Harness::start().await;
    let client = h.client(h.user(), version);
    let bucket = &h.info().bucket;
    let body = b"hello world".to_vec();

    let put = client
        .put_object(
            bucket,
            KEY,
            body.clone(),
            &PutObjectOptions {
                content_type: Some("text/plain".into()),
                content_md5: true,
                metadata: vec![("owner".into(), "me".into())],
                ..Default::default()
            },
        )
        .await
        .expect("put");
    assert_eq!(put.crc64, Some(crc64::checksum(&body)));
    assert_eq!(put.etag, "\"5EB63BBBE01EEED093CB22BB8F5ACDC3\"");

    let got = client
        .get_object(bucket, KEY, &GetObjectOptions::default())
        .await
        .expect("get");
    assert_eq!(got.body.as_ref(), body.as_slice());
    assert_eq!(got.meta.content_type, "text/plain");
    assert_eq!(got.meta.object_type, "Normal");
    assert_eq!(
        got.meta.metadata,
        vec![("owner".to_owned(), "me".to_owned())]
    );

    let ranged = client
        .get_object(
            bucket,
            KEY,
            &GetObjectOptions {
                range: Some((2, Some(6))),
                ..Default::default()
            },
        )
        .await
        .expect("ranged get");
    assert_eq!(ranged.body.as_ref(), b"llo w");
    assert_eq!(ranged.content_range.as_deref(), Some("bytes 2-6/11"));
    assert_eq!(
        ranged.meta.crc64,
        Some(crc64::checksum(&body)),
        "whole-object CRC"
    );

    let head = client
        .head_object(bucket, KEY, &GetObjectOptions::default())
        .await
        .expect("head");
    assert_eq!(head.content_length, 11);

    let upload_id = client
        .initiate_multipart_upload(bucket, "big.bin", &PutObjectOptions::default())
        .await
        .expect("initiate");
    let part1 = vec![1u8; 100 * 1024];
    let p1 = client
        .upload_part(bucket, "big.bin", &upload_id, 1, part1.clone(), true)
        .await
        .expect("part 1");
    let p2 = client
        .upload_part(bucket, "big.bin", &upload_id, 2, b"tail".to_vec(), false)
        .await
        .expect("part 2");
    let uploads = client
        .list_multipart_uploads(bucket, None)
        .await
        .expect("list uploads");
    assert_eq!(uploads.len(), 1);
    let parts = client
        .list_parts(bucket, "big.bin", &upload_id)
        .await
        .expect("list parts");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].crc64, Some(crc64::checksum(&part1)));
    let done = client
        .complete_multipart_upload(
            bucket,
            "big.bin",
            &upload_id,
            &[p1, p2],
            &CompleteOptions::default(),
        )
        .await
        .expect("complete");
    let mut whole = part1.clone();
    whole.extend_from_slice(b"tail");
    assert_eq!(done.crc64, Some(crc64::checksum(&whole)));
    assert!(done.etag.ends_with("-2\""), "{}", done.etag);
    let got = client
        .get_object(bucket, "big.bin", &GetObjectOptions::default())
        .await
        .expect("get multipart");
    assert_eq!(got.body.as_ref(), whole.as_slice());
    assert_eq!(got.meta.object_type, "Multipart");

    let aborted = client
        .initiate_multipart_upload(bucket, "gone.bin", &PutObjectOptions::default())
        .await
        .expect("initiate");
    client
        .abort_multipart_upload(bucket, "gone.bin", &aborted)
        .await
        .expect("abort");
    assert_eq!(
        code(
            client
                .abort_multipart_upload(bucket, "gone.bin", &aborted)
                .await
        ),
        "NoSuchUpload"
    );

    client.delete_object(bucket, KEY).await.expect("delete");
    client
        .delete_object(bucket, KEY)
        .await
        .expect("delete again");
    assert_eq!(
        code(
            client
                .get_object(bucket, KEY, &GetObjectOptions::default())
                .await
        ),
        "NoSuchKey"
    );
    assert_eq!(
        code(
            client
                .head_object(bucket, KEY, &GetObjectOptions::default())
                .await
        ),
        "NoSuchKey",
        "HEAD errors come in x-oss-err"
    );
}

#[tokio::test]
async fn every_operation_v1() {
    every_operation(SignatureVersion::V1).await;
}

#[tokio::test]
async fn every_operation_v4() {
    every_operation(SignatureVersion::V4).await;
}

#[tokio::test]
async fn conditional_and_range_reads() {
    let h = Harness::start().await;
    let client = h.client(h.user(), SignatureVersion::V4);
    let bucket = &h.info().bucket;
    let put = client
        .put_object(bucket, "c.txt", "0123456789", &Default::default())
        .await
        .unwrap();
    let get = |options: GetObjectOptions| {
        let client = client.clone();
        let bucket = bucket.clone();
        async move { client.get_object(&bucket, "c.txt", &options).await }
    };
    let r = get(GetObjectOptions {
        if_none_match: Some(put.etag.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(r.not_modified);
    let e = get(GetObjectOptions {
        if_match: Some("\"0000\"".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(code(e), "PreconditionFailed");
    let r = get(GetObjectOptions {
        if_modified_since: Some("Tue, 01 Jan 2030 00:00:00 GMT".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(r.not_modified);
    let e = get(GetObjectOptions {
        if_unmodified_since: Some("Mon, 01 Jan 2001 00:00:00 GMT".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(code(e), "PreconditionFailed");
    let r = get(GetObjectOptions {
        range: Some((7, None)),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(r.body.as_ref(), b"789");
    let e = get(GetObjectOptions {
        range: Some((10, None)),
        ..Default::default()
    })
    .await;
    assert_eq!(code(e), "InvalidRange");
    // A suffix range and an ignored (inverted) range, sent raw.
    for (range, status, body) in [("bytes=-3", 206, "789"), ("bytes=5-2", 200, "0123456789")] {
        let r = Raw::new("GET", bucket, Some("c.txt"))
            .header("Range", range)
            .send(&h, &h.user(), SignatureVersion::V4)
            .await;
        assert_eq!(r.status(), status, "{range}");
        assert_eq!(r.text().await.unwrap(), body, "{range}");
    }
}

#[tokio::test]
async fn upload_checks() {
    let h = Harness::start().await;
    let user = h.user();
    let bucket = h.info().bucket.clone();
    let v1 = SignatureVersion::V1;

    let r = Raw::new("PUT", &bucket, Some("x"))
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .body("not empty")
        .send(&h, &user, v1)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidDigest");

    let r = Raw::new("PUT", &bucket, Some("x"))
        .header("x-oss-forbid-overwrite", "true")
        .body("first")
        .send(&h, &user, v1)
        .await;
    assert_eq!(r.status(), 200);
    let r = Raw::new("PUT", &bucket, Some("x"))
        .header("x-oss-forbid-overwrite", "true")
        .body("second")
        .send(&h, &user, v1)
        .await;
    assert_eq!(error_code(r).await.1, "FileAlreadyExists");

    // A chunked body has no Content-Length: it streams to disk like any other.
    let r = send_chunked(
        &h,
        Raw::new("PUT", &bucket, Some("chunked")),
        &[b"ab", b"c"],
    )
    .await;
    assert_eq!(r.status(), 200);
    let md5 = r.headers()["content-md5"].to_str().unwrap().to_owned();
    assert_eq!(md5, "kAFQmDzST7DWlj99KOF/cg==", "MD5 of abc");
    let got = Raw::new("GET", &bucket, Some("chunked"))
        .text(&h, &user, v1)
        .await;
    assert_eq!(got, "abc");

    let r = Raw::new("PUT", &bucket, Some("a//b"))
        .send(&h, &user, v1)
        .await;
    assert_eq!(r.status(), 200, "keys may hold //");
    let r = Raw::new("PUT", &bucket, Some("/abs"))
        .send(&h, &user, v1)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidObjectName");
    let r = Raw::new("GET", "no-such-bucket", Some("k"))
        .send(&h, &user, v1)
        .await;
    let (status, code, body) = error_code(r).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchBucket"));
    assert_eq!(
        xml_field(&body, "BucketName").as_deref(),
        Some("no-such-bucket")
    );
}

#[tokio::test]
async fn url_encoded_listings() {
    let h = Harness::start().await;
    let bucket = h.info().bucket.clone();
    let r = Raw::new("POST", &bucket, Some("a b/ü.txt"))
        .query("uploads", Some(""))
        .query("encoding-type", Some("url"))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(
        xml_field(&body, "Key").as_deref(),
        Some("a%20b%2F%C3%BC.txt")
    );
    assert_eq!(xml_field(&body, "EncodingType").as_deref(), Some("url"));
    let r = Raw::new("GET", &bucket, None)
        .query("uploads", None)
        .query("prefix", Some("a b"))
        .query("encoding-type", Some("url"))
        .send(&h, &h.user(), SignatureVersion::V1)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(xml_field(&body, "Prefix").as_deref(), Some("a%20b"));
    assert_eq!(
        xml_field(&body, "Key").as_deref(),
        Some("a%20b%2F%C3%BC.txt")
    );
}

#[tokio::test]
async fn virtual_hosted_addressing() {
    let h = Harness::start().await;
    let info = h.info();
    let raw = Raw::new("PUT", &info.bucket, Some("vh.txt")).body("vh");
    let (url, mut headers) = raw.sign(info, &h.user(), SignatureVersion::V4, chrono::Utc::now());
    headers.push((
        "Host".into(),
        format!("{}.oss-cn-hangzhou.aliyuncs.com", info.bucket),
    ));
    let url = url.replacen(&format!("/{}/", info.bucket), "/", 1);
    let r = crate::common::send(&h, "PUT", &url, &headers, b"vh".to_vec()).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let got = h
        .client(h.user(), SignatureVersion::V1)
        .get_object(&info.bucket, "vh.txt", &Default::default())
        .await
        .unwrap();
    assert_eq!(got.body.as_ref(), b"vh");
}

#[tokio::test]
async fn list_objects_and_buckets() {
    let h = Harness::start().await;
    let client = h.client(h.user(), SignatureVersion::V4);
    let bucket = h.info().bucket.clone();
    for key in ["a.txt", "dir/1", "dir/2", "dir/sub/3", "z z"] {
        client
            .put_object(&bucket, key, key.as_bytes().to_vec(), &Default::default())
            .await
            .unwrap();
    }
    let list = |query: Vec<(&'static str, &'static str)>| {
        let mut raw = Raw::new("GET", &bucket, None);
        for (k, v) in query {
            raw = raw.query(k, Some(v));
        }
        raw
    };
    let body = list(vec![("delimiter", "/"), ("max-keys", "2")])
        .text(&h, &h.user(), SignatureVersion::V1)
        .await;
    assert_eq!(xml_field(&body, "Key").as_deref(), Some("a.txt"));
    assert_eq!(xml_field(&body, "Prefix").as_deref(), Some(""));
    assert!(
        body.contains("<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"),
        "{body}"
    );
    assert_eq!(xml_field(&body, "NextMarker").as_deref(), Some("dir/sub/3"));
    let body = list(vec![("marker", "dir/sub/3")])
        .text(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(xml_field(&body, "Key").as_deref(), Some("z z"));
    assert_eq!(xml_field(&body, "IsTruncated").as_deref(), Some("false"));

    let body = list(vec![
        ("list-type", "2"),
        ("prefix", "dir/"),
        ("max-keys", "2"),
    ])
    .text(&h, &h.user(), SignatureVersion::V4)
    .await;
    assert_eq!(xml_field(&body, "KeyCount").as_deref(), Some("2"));
    let token = xml_field(&body, "NextContinuationToken").expect("token");
    let mut next = Raw::new("GET", &bucket, None)
        .query("list-type", Some("2"))
        .query("prefix", Some("dir/"))
        .query("continuation-token", Some(&token))
        .query("encoding-type", Some("url"));
    let body = next.text(&h, &h.user(), SignatureVersion::V1).await;
    assert_eq!(
        xml_field(&body, "Key").as_deref(),
        Some("dir%2Fsub%2F3"),
        "{body}"
    );
    assert!(
        !body.contains("<Owner>"),
        "V2 lists owners only with fetch-owner"
    );
    next = next.query("fetch-owner", Some("true"));
    let body = next.text(&h, &h.user(), SignatureVersion::V1).await;
    assert!(body.contains("<Owner>"));

    let r = Raw {
        bucket: None,
        ..Raw::new("GET", "", None)
    }
    .send(&h, &h.user(), SignatureVersion::V4)
    .await;
    let body = r.text().await.unwrap();
    assert_eq!(xml_field(&body, "Name"), Some(bucket.clone()));
    assert_eq!(xml_field(&body, "Region").as_deref(), Some("cn-hangzhou"));
}

#[tokio::test]
async fn bodies_over_five_gib_are_refused_before_reading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start().await;
    let raw = Raw::new("PUT", &h.info().bucket, Some("huge.bin"));
    let (_, headers) = raw.sign(
        h.info(),
        &h.user(),
        SignatureVersion::V1,
        chrono::Utc::now(),
    );
    let addr = h
        .info()
        .oss_endpoint
        .trim_start_matches("http://")
        .to_owned();
    let mut request = format!(
        "PUT /{}/huge.bin HTTP/1.1\r\nHost: {addr}\r\n",
        h.info().bucket
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("Content-Length: 6442450944\r\nConnection: close\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(
        xml_field(&answer, "Code").as_deref(),
        Some("EntityTooLarge")
    );
}

/// Signs `raw` with the default user (V1) and sends `chunks` as a chunked body.
async fn send_chunked(h: &Harness, raw: Raw, chunks: &[&[u8]]) -> reqwest::Response {
    let (url, headers) = raw.sign(
        h.info(),
        &h.user(),
        SignatureVersion::V1,
        chrono::Utc::now(),
    );
    let chunks: Vec<_> = chunks
        .iter()
        .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    let mut builder = h
        .http
        .request(raw.method.parse().unwrap(), url)
        .body(reqwest::Body::wrap_stream(stream));
    for (k, v) in headers {
        builder = builder.header(k, v);
    }
    builder.send().await.unwrap()
}

#[tokio::test]
async fn chunked_parts_complete() {
    let h = Harness::start().await;
    let bucket = h.info().bucket.clone();
    let client = h.client(h.user(), SignatureVersion::V4);
    let id = client
        .initiate_multipart_upload(&bucket, "chunked.bin", &Default::default())
        .await
        .unwrap();
    let first = vec![7u8; 100 * 1024];
    let raw = |n: &str| {
        Raw::new("PUT", &bucket, Some("chunked.bin"))
            .query("partNumber", Some(n))
            .query("uploadId", Some(&id))
    };
    let r = send_chunked(&h, raw("1"), &[&first[..1000], &first[1000..]]).await;
    assert_eq!(r.status(), 200);
    let r = send_chunked(&h, raw("2"), &[b"tail"]).await;
    assert_eq!(r.status(), 200);
    let r = Raw::new("POST", &bucket, Some("chunked.bin"))
        .query("uploadId", Some(&id))
        .header("x-oss-complete-all", "yes")
        .send(&h, &h.user(), SignatureVersion::V1)
        .await;
    assert_eq!(r.status(), 200);
    let got = client
        .get_object(&bucket, "chunked.bin", &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(got.body.len(), 100 * 1024 + 4);
    assert_eq!(&got.body[100 * 1024..], b"tail");
}
