//! No leak: 10,000 clients (each with a credentials source, some with a transfer object) created
//! and freed leave the live-object count where it was. A test binary of its own, so no other
//! test's objects move the count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::sync::Arc;

use ossdirect_ffi::{
    live_objects, ClientConfig, CredentialsSource, OssClient, SignatureVersion, UploadRequest,
    UploadSource,
};

#[test]
fn ten_thousand_clients_created_and_freed_leave_no_live_objects() {
    let config = ClientConfig {
        region: "cn-hangzhou".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
        addressing: None,
        signature_version: Some(SignatureVersion::V4),
        connect_timeout_ms: 1_000,
        read_timeout_ms: 1_000,
        retry_attempts: 1,
        user_agent_suffix: None,
        checkpoint_dir: None,
    };
    let before = live_objects();
    for i in 0..10_000 {
        let source = CredentialsSource::static_credentials("id".into(), "secret".into(), None);
        let client = OssClient::new(config.clone(), source).unwrap();
        // The client keeps what the source holds, not the source object, freed here.
        assert_eq!(live_objects(), before + 1, "the client is counted");
        if i % 1_000 == 0 {
            let transfer: Arc<_> = client
                .start_upload(
                    UploadRequest {
                        bucket: "bucket".into(),
                        key: "k".into(),
                        source: UploadSource::Bytes { data: vec![1] },
                        put: None,
                        options: None,
                    },
                    None,
                )
                .unwrap();
            transfer.cancel();
            assert_eq!(live_objects(), before + 2, "and its transfer");
            drop(transfer);
        }
        client.pause_all_and_close();
        drop(client);
    }
    assert_eq!(live_objects(), before, "every object was freed");
}
