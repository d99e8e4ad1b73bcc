//! Multipart rules: part sizes, order, ETags, completion and pagination.

use ossdirect::api::{CompleteOptions, UploadedPart};
use ossdirect::{crc64, Client, PutObjectOptions, SignatureVersion};

use crate::common::{code, error_code, xml_field, Harness, Raw};

const KEY: &str = "multi/part.bin";

async fn upload(client: &Client, bucket: &str, id: &str, n: u32, body: Vec<u8>) -> UploadedPart {
    client
        .upload_part(bucket, KEY, id, n, body, false)
        .await
        .expect("upload part")
}

/// An emulator, a client signing with `version`, the bucket, and an upload of `KEY` started.
async fn started(version: SignatureVersion) -> (Harness, Client, String, String) {
    let h = Harness::start().await;
    let client = h.client(h.user(), version);
    let bucket = h.info().bucket.clone();
    let id = client
        .initiate_multipart_upload(&bucket, KEY, &PutObjectOptions::default())
        .await
        .unwrap();
    (h, client, bucket, id)
}

fn complete_xml(parts: &[(u32, &str)]) -> String {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

#[tokio::test]
async fn part_rules() {
    let (h, client, bucket, id) = started(SignatureVersion::V4).await;
    let small = upload(&client, &bucket, &id, 1, vec![7u8; 10]).await;
    let last = upload(&client, &bucket, &id, 2, vec![8u8; 10]).await;
    assert_eq!(small.crc64, Some(crc64::checksum(&[7u8; 10])));

    for n in ["0", "10001", "x"] {
        let r = Raw::new("PUT", &bucket, Some(KEY))
            .query("partNumber", Some(n))
            .query("uploadId", Some(&id))
            .body("x")
            .send(&h, &h.user(), SignatureVersion::V1)
            .await;
        assert_eq!(error_code(r).await.1, "InvalidArgument", "part number {n}");
    }

    let complete = |xml: String| {
        Raw::new("POST", &bucket, Some(KEY))
            .query("uploadId", Some(&id))
            .body(xml)
    };
    let r = complete(complete_xml(&[(2, &last.etag), (1, &small.etag)]))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidPartOrder");
    let r = complete(complete_xml(&[(1, &small.etag), (3, &last.etag)]))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidPart");
    let r = complete(complete_xml(&[(1, "\"0123\""), (2, &last.etag)]))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "InvalidPart");
    let r = complete(complete_xml(&[(1, &small.etag), (2, &last.etag)]))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "EntityTooSmall");
    let r = complete("<CompleteMultipartUpload><Part>".into())
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "MalformedXML");

    // Re-uploading part 1 large enough fixes it; a lone last part may be small.
    let big = upload(&client, &bucket, &id, 1, vec![9u8; 100 * 1024]).await;
    let done = client
        .complete_multipart_upload(&bucket, KEY, &id, &[big, last], &CompleteOptions::default())
        .await
        .expect("complete");
    let mut whole = vec![9u8; 100 * 1024];
    whole.extend_from_slice(&[8u8; 10]);
    assert_eq!(done.crc64, Some(crc64::checksum(&whole)));

    let r = Raw::new("PUT", &bucket, Some(KEY))
        .query("partNumber", Some("3"))
        .query("uploadId", Some(&id))
        .body("late")
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(error_code(r).await.1, "NoSuchUpload", "after Complete");
    assert_eq!(
        code(client.list_parts(&bucket, KEY, &id).await),
        "NoSuchUpload"
    );
}

#[tokio::test]
async fn complete_all_and_list_parts_pages() {
    let (h, client, bucket, id) = started(SignatureVersion::V1).await;
    for n in [1u32, 3, 5] {
        let size = if n == 5 { 1 } else { 100 * 1024 };
        upload(&client, &bucket, &id, n, vec![n as u8; size]).await;
    }
    let r = Raw::new("GET", &bucket, Some(KEY))
        .query("uploadId", Some(&id))
        .query("max-parts", Some("2"))
        .query("part-number-marker", Some("1"))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(xml_field(&body, "IsTruncated").as_deref(), Some("false"));
    assert_eq!(
        xml_field(&body, "NextPartNumberMarker").as_deref(),
        Some("5")
    );
    assert_eq!(body.matches("<Part>").count(), 2);
    assert_eq!(
        xml_field(&body, "HashCrc64ecma"),
        Some(crc64::checksum(&vec![3u8; 100 * 1024]).to_string())
    );
    let r = Raw::new("GET", &bucket, Some(KEY))
        .query("uploadId", Some(&id))
        .query("max-parts", Some("1"))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(xml_field(&body, "IsTruncated").as_deref(), Some("true"));
    assert_eq!(
        xml_field(&body, "NextPartNumberMarker").as_deref(),
        Some("1")
    );
    assert_eq!(client.list_parts(&bucket, KEY, &id).await.unwrap().len(), 3);

    let r = Raw::new("POST", &bucket, Some(KEY))
        .query("uploadId", Some(&id))
        .header("x-oss-complete-all", "yes")
        .body("<CompleteMultipartUpload/>")
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    assert_eq!(
        error_code(r).await.1,
        "InvalidArgument",
        "complete-all takes no body"
    );
    let done = client
        .complete_multipart_upload(
            &bucket,
            KEY,
            &id,
            &[],
            &CompleteOptions {
                complete_all: true,
                ..Default::default()
            },
        )
        .await
        .expect("complete all");
    assert!(done.etag.ends_with("-3\""));
    let head = client
        .head_object(&bucket, KEY, &Default::default())
        .await
        .unwrap();
    assert_eq!(head.content_length, 2 * 100 * 1024 + 1);
}

#[tokio::test]
async fn list_uploads_pages_by_key_and_upload_id() {
    let h = Harness::start().await;
    let client = h.client(h.user(), SignatureVersion::V4);
    let bucket = h.info().bucket.clone();
    for key in ["a/1", "a/1", "b/2", "c"] {
        client
            .initiate_multipart_upload(&bucket, key, &PutObjectOptions::default())
            .await
            .unwrap();
    }
    let all = client.list_multipart_uploads(&bucket, None).await.unwrap();
    assert_eq!(all.len(), 4);
    let keys: Vec<&str> = all.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["a/1", "a/1", "b/2", "c"]);
    let r = Raw::new("GET", &bucket, None)
        .query("uploads", None)
        .query("max-uploads", Some("1"))
        .query("key-marker", Some("a/1"))
        .query("upload-id-marker", Some(&all[0].upload_id))
        .send(&h, &h.user(), SignatureVersion::V1)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(xml_field(&body, "UploadId"), Some(all[1].upload_id.clone()));
    assert_eq!(xml_field(&body, "IsTruncated").as_deref(), Some("true"));
    assert_eq!(
        client
            .list_multipart_uploads(&bucket, Some("b/"))
            .await
            .unwrap()
            .len(),
        1
    );
    let r = Raw::new("GET", &bucket, None)
        .query("uploads", None)
        .query("delimiter", Some("/"))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let body = r.text().await.unwrap();
    assert_eq!(body.matches("<CommonPrefixes>").count(), 2, "{body}");
}

/// The data files the emulator keeps for the bucket's objects.
fn object_data_files(h: &Harness) -> Vec<String> {
    let dir = h
        .dir
        .path()
        .join("buckets")
        .join(&h.info().bucket)
        .join("objects");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".data"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn completed_objects_read_across_parts_and_stay_whole_while_replaced() {
    const PART: usize = 1024 * 1024 + 7;
    let (h, client, bucket, id) = started(SignatureVersion::V4).await;
    let mut whole = Vec::new();
    let mut parts = Vec::new();
    for n in 1..=6u32 {
        let body: Vec<u8> = (0..PART).map(|i| (i as u32 * n % 251) as u8).collect();
        whole.extend_from_slice(&body);
        parts.push(upload(&client, &bucket, &id, n, body).await);
    }
    client
        .complete_multipart_upload(&bucket, KEY, &id, &parts, &CompleteOptions::default())
        .await
        .expect("complete");
    assert_eq!(
        object_data_files(&h).len(),
        6,
        "one file per part, no joined copy"
    );

    let got = client
        .get_object(&bucket, KEY, &Default::default())
        .await
        .unwrap();
    assert!(got.body.as_ref() == whole.as_slice(), "whole object");
    assert_eq!(got.meta.crc64, Some(crc64::checksum(&whole)));
    let p = PART as u64;
    for (first, last) in [
        (p - 5, p + 5),
        (p, 2 * p - 1),
        (0, 3 * p + 1),
        (6 * p - 1, 6 * p - 1),
    ] {
        let options = ossdirect::GetObjectOptions {
            range: Some((first, Some(last))),
            ..Default::default()
        };
        let got = client.get_object(&bucket, KEY, &options).await.unwrap();
        assert!(
            got.body.as_ref() == &whole[first as usize..=last as usize],
            "range {first}-{last}"
        );
    }

    // A read that has started keeps reading the version it opened while the object is
    // replaced and then deleted; that version's files go when the read is done.
    let mut reading = Raw::new("GET", &bucket, Some(KEY))
        .send(&h, &h.user(), SignatureVersion::V4)
        .await;
    let mut received = reading
        .chunk()
        .await
        .unwrap()
        .expect("a first piece")
        .to_vec();
    client
        .put_object(&bucket, KEY, "replaced", &Default::default())
        .await
        .unwrap();
    client.delete_object(&bucket, KEY).await.unwrap();
    while let Some(piece) = reading.chunk().await.unwrap() {
        received.extend_from_slice(&piece);
    }
    assert!(received == whole, "the read saw one whole version");
    // Removed in the background once the read is done.
    for _ in 0..200 {
        if object_data_files(&h).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        object_data_files(&h).is_empty(),
        "{:?}",
        object_data_files(&h)
    );
}
