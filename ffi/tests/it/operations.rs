//! put / get / head / delete / list / presign through the ffi client, V1 and V4.

use std::collections::HashMap;

use ossdirect_ffi::{ListObjectsRequest, PresignRequest, PutOptions, SignatureVersion};

use crate::common::{pattern, sha256, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_works_with_v1_and_v4() {
    let stack = Stack::start().await;
    let bucket = stack.bucket();
    let dir = tempfile::tempdir().unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let client = stack.alice_client(version, None);
        let prefix = format!("users/alice/ops-{version:?}/");
        let body = pattern(300_000, 3);
        let options = PutOptions {
            content_type: Some("application/x-test".into()),
            metadata: HashMap::from([("origin".to_owned(), "ffi".to_owned())]),
            content_md5: true,
            ..PutOptions::default()
        };
        let put = client
            .put_object(
                bucket.clone(),
                format!("{prefix}a.bin"),
                body.clone(),
                Some(options),
            )
            .await
            .unwrap();
        assert!(put.crc64.is_some() && !put.etag.is_empty());
        for name in ["b.txt", "sub/c.txt"] {
            client
                .put_object(
                    bucket.clone(),
                    format!("{prefix}{name}"),
                    b"x".to_vec(),
                    None,
                )
                .await
                .unwrap();
        }

        let got = client
            .get_object(bucket.clone(), format!("{prefix}a.bin"))
            .await
            .unwrap();
        assert_eq!(sha256(&got), sha256(&body));
        let info = client
            .head_object(bucket.clone(), format!("{prefix}a.bin"))
            .await
            .unwrap();
        assert_eq!(info.size, 300_000);
        assert_eq!(info.content_type, "application/x-test");
        assert_eq!(info.metadata.get("origin").map(String::as_str), Some("ffi"));
        assert_eq!(info.crc64, put.crc64);

        let file = dir.path().join(format!("a-{version:?}.bin"));
        let fetched = client
            .get_to_file(
                bucket.clone(),
                format!("{prefix}a.bin"),
                file.to_string_lossy().into(),
            )
            .await
            .unwrap();
        assert_eq!(fetched.size, 300_000);
        assert_eq!(sha256(&std::fs::read(&file).unwrap()), sha256(&body));

        // put_file streams the file back up as another object, with Content-MD5 too.
        let again = client
            .put_file(
                bucket.clone(),
                format!("users/alice/put-file-{version:?}.bin"),
                file.to_string_lossy().into(),
                Some(PutOptions {
                    content_md5: true,
                    ..PutOptions::default()
                }),
            )
            .await
            .unwrap();
        assert_eq!(again.crc64, put.crc64, "same bytes, same CRC-64");
        let empty = dir.path().join(format!("empty-{version:?}"));
        std::fs::write(&empty, b"").unwrap();
        let nothing = client
            .put_file(
                bucket.clone(),
                format!("users/alice/put-file-empty-{version:?}"),
                empty.to_string_lossy().into(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(nothing.crc64, Some(0));
        let missing = client
            .put_file(
                bucket.clone(),
                format!("{prefix}missing.bin"),
                dir.path().join("nope").to_string_lossy().into(),
                None,
            )
            .await;
        assert!(
            matches!(&missing, Err(ossdirect_ffi::OssError::Io { reason, .. }) if reason.contains("nope")),
            "{missing:?}"
        );

        // Listing (a bucket-level action, beyond a user's prefix policy: the root key lists):
        // pages of one, with a delimiter grouping sub/.
        let lister =
            ossdirect_ffi::OssClient::new(stack.config(version, None), stack.root()).unwrap();
        let mut keys = Vec::new();
        let mut prefixes = Vec::new();
        let mut token = None;
        loop {
            let page = lister
                .list_objects(
                    bucket.clone(),
                    ListObjectsRequest {
                        prefix: Some(prefix.clone()),
                        delimiter: Some("/".into()),
                        continuation_token: token.clone(),
                        max_keys: Some(1),
                    },
                )
                .await
                .unwrap();
            keys.extend(page.objects.into_iter().map(|o| o.key));
            prefixes.extend(page.common_prefixes);
            token = page.next_continuation_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(
            keys,
            vec![format!("{prefix}a.bin"), format!("{prefix}b.txt")]
        );
        assert_eq!(prefixes, vec![format!("{prefix}sub/")]);

        // A presigned GET works with a plain HTTP client; a tampered one does not.
        let presigned = client
            .presign(PresignRequest {
                method: "GET".into(),
                bucket: bucket.clone(),
                key: format!("{prefix}a.bin"),
                expires_in_secs: 600,
                headers: HashMap::new(),
            })
            .await
            .unwrap();
        assert_eq!(presigned.method, "GET");
        assert!(presigned.expiration > std::time::SystemTime::now());
        let r = reqwest::get(&presigned.url).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(sha256(&r.bytes().await.unwrap()), sha256(&body));
        let tampered = presigned.url.replace("a.bin", "b.txt");
        assert_eq!(reqwest::get(&tampered).await.unwrap().status(), 403);

        // A presigned PUT with a signed Content-Type.
        let presigned = client
            .presign(PresignRequest {
                method: "put".into(),
                bucket: bucket.clone(),
                key: format!("{prefix}put.txt"),
                expires_in_secs: 600,
                headers: HashMap::from([("Content-Type".to_owned(), "text/plain".to_owned())]),
            })
            .await
            .unwrap();
        let r = reqwest::Client::new()
            .put(&presigned.url)
            .header("Content-Type", "text/plain")
            .body("via presigned PUT")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

        client
            .delete_object(bucket.clone(), format!("{prefix}a.bin"))
            .await
            .unwrap();
        let gone = client
            .head_object(bucket.clone(), format!("{prefix}a.bin"))
            .await
            .unwrap_err();
        assert!(
            matches!(gone, ossdirect_ffi::OssError::Service { status: 404, .. }),
            "{gone:?}"
        );
    }
    stack.stop().await;
}
