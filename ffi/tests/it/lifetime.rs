//! Logging: the app's logger gets the SDK's lines at TRACE and never a secret.

use std::sync::{Arc, Mutex};

use ossdirect_ffi::{set_logger, CredentialsSource, LogLevel, Logger, OssClient, SignatureVersion};

use crate::common::Stack;

struct Collect(Mutex<Vec<String>>);

impl Logger for Collect {
    fn log(&self, level: LogLevel, target: String, message: String) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{level:?} {target} {message}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_reaches_the_app_without_secrets() {
    let stack = Stack::start().await;
    let logger = Arc::new(Collect(Mutex::new(Vec::new())));
    set_logger(logger.clone(), LogLevel::Trace);
    let info = stack.emu.info().clone();
    let client = OssClient::new(
        stack.config(SignatureVersion::V4, None),
        CredentialsSource::static_credentials(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
            Some("SECRET-TOKEN-VALUE".into()),
        ),
    )
    .unwrap();
    // The token makes the emulator refuse: a retry-free error path with logging.
    let _ = client
        .put_object(info.bucket.clone(), "k".into(), b"x".to_vec(), None)
        .await;
    let alice = stack.alice_client(SignatureVersion::V4, None);
    alice
        .put_object(
            info.bucket.clone(),
            "users/alice/logged".into(),
            b"x".to_vec(),
            None,
        )
        .await
        .unwrap();
    let lines = logger.0.lock().unwrap().clone();
    assert!(!lines.is_empty(), "the SDK logged something");
    for line in &lines {
        assert!(!line.contains(&info.access_key_secret), "secret in {line}");
        assert!(!line.contains("SECRET-TOKEN-VALUE"), "token in {line}");
        assert!(!line.contains(&stack.bearer), "bearer in {line}");
    }
    stack.stop().await;
}
