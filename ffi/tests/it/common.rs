//! The emulator and token server the tests talk to, and clients of the ffi surface.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ossdirect::Credentials;
use ossdirect_emulator::EmulatorOptions;
use ossdirect_ffi::{
    ClientConfig, CredentialsSource, OssClient, SignatureVersion, Transfer, TransferEvent,
    TransferListener, TransferSnapshot, TransferState,
};
use ossdirect_server::{new_bearer_token, RunningServer, Server, ServerConfig, TokenEntry};
pub use ossdirect_tests::{pattern, sha256, write_file, TestEmulator};

/// An emulator plus the token vending server in front of its STS, with user `alice`.
pub struct Stack {
    pub emu: TestEmulator,
    pub server: Option<RunningServer>,
    pub bearer: String,
}

impl Stack {
    /// Starts both; `configure` adjusts the emulator.
    pub async fn start_with(configure: impl FnOnce(&mut EmulatorOptions)) -> Self {
        let emu = TestEmulator::start_with(configure).await;
        let info = emu.info().clone();
        let mut config = ServerConfig::new(&info.sts_endpoint, &info.role_arn, &info.bucket);
        config.cache.refresh_margin_seconds = 1;
        config.policy.actions = [
            "oss:PutObject",
            "oss:GetObject",
            "oss:DeleteObject",
            "oss:ListParts",
            "oss:AbortMultipartUpload",
        ]
        .map(str::to_owned)
        .to_vec();
        config.signing.enabled = true;
        config.signing.region = Some(info.region.clone());
        let bearer = new_bearer_token();
        config
            .auth
            .tokens
            .push(TokenEntry::new("alice", bearer.clone()));
        let server = Server::new(
            config,
            Credentials::new(&info.access_key_id, &info.access_key_secret),
        )
        .expect("token server config")
        .start()
        .await
        .expect("token server starts");
        Self {
            emu,
            server: Some(server),
            bearer,
        }
    }

    /// Starts both with default emulator options.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Stops both.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("token server stops");
        }
        self.emu.shutdown().await;
    }

    pub fn bucket(&self) -> String {
        self.emu.info().bucket.clone()
    }

    pub fn token_url(&self) -> String {
        format!("{}/sts-token", self.server.as_ref().expect("server").url())
    }

    pub fn sign_url(&self) -> String {
        format!("{}/sign", self.server.as_ref().expect("server").url())
    }

    pub fn auth_headers(&self) -> std::collections::HashMap<String, String> {
        [(
            "Authorization".to_owned(),
            format!("Bearer {}", self.bearer),
        )]
        .into()
    }

    /// A config for the emulator signing with `version`, checkpoints in `checkpoint_dir`.
    pub fn config(
        &self,
        version: SignatureVersion,
        checkpoint_dir: Option<&std::path::Path>,
    ) -> ClientConfig {
        let info = self.emu.info();
        ClientConfig {
            region: info.region.clone(),
            endpoint: Some(info.oss_endpoint.clone()),
            addressing: None,
            signature_version: Some(version),
            connect_timeout_ms: 5_000,
            read_timeout_ms: 10_000,
            retry_attempts: 3,
            user_agent_suffix: Some("ffi-tests/1".into()),
            checkpoint_dir: checkpoint_dir.map(|d| d.to_string_lossy().into_owned()),
        }
    }

    /// The token endpoint as alice's credentials source.
    pub fn alice(&self) -> Arc<CredentialsSource> {
        CredentialsSource::token_endpoint(
            self.token_url(),
            Some(ossdirect_ffi::HttpMethod::Get),
            self.auth_headers(),
            1,
            5_000,
        )
        .expect("token endpoint source")
    }

    /// The emulator's root user, statically.
    pub fn root(&self) -> Arc<CredentialsSource> {
        let info = self.emu.info();
        CredentialsSource::static_credentials(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
            None,
        )
    }

    /// An ffi client of alice (token endpoint).
    pub fn alice_client(
        &self,
        version: SignatureVersion,
        dir: Option<&std::path::Path>,
    ) -> Arc<OssClient> {
        OssClient::new(self.config(version, dir), self.alice()).expect("client")
    }
}

/// Records every snapshot a transfer's listener is given.
#[derive(Default)]
pub struct Recorder {
    pub states: Mutex<Vec<TransferState>>,
    pub progress: Mutex<Vec<u64>>,
    pub threads: Mutex<Vec<String>>,
    pub events: Mutex<Vec<TransferEvent>>,
}

impl TransferListener for Recorder {
    fn on_state_changed(&self, snapshot: TransferSnapshot) {
        self.states.lock().unwrap().push(snapshot.state);
        self.progress.lock().unwrap().push(snapshot.bytes_done);
        self.record_thread();
    }

    fn on_progress(&self, snapshot: TransferSnapshot) {
        self.progress.lock().unwrap().push(snapshot.bytes_done);
        self.record_thread();
    }

    fn on_event(&self, event: TransferEvent) {
        self.events.lock().unwrap().push(event);
        self.record_thread();
    }
}

impl Recorder {
    fn record_thread(&self) {
        let name = std::thread::current().name().unwrap_or("?").to_owned();
        self.threads.lock().unwrap().push(name);
    }
}

/// Waits (bounded) until `transfer` reaches `state`.
pub async fn wait_for_state(transfer: &Transfer, state: TransferState, within: Duration) {
    let started = Instant::now();
    while transfer.snapshot().state != state {
        assert!(
            started.elapsed() < within,
            "transfer did not reach {state:?} within {within:?}: {:?}",
            transfer.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits (bounded) until at least `bytes` moved.
pub async fn wait_for_bytes(transfer: &Transfer, bytes: u64, within: Duration) {
    let started = Instant::now();
    while transfer.snapshot().bytes_done < bytes {
        assert!(
            started.elapsed() < within,
            "transfer did not move {bytes} bytes within {within:?}: {:?}",
            transfer.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Multipart uploads in progress under `prefix`, as the root user sees them.
pub async fn uploads_in_progress(stack: &Stack, prefix: &str) -> usize {
    let client = stack.emu.client(ossdirect::SignatureVersion::V4);
    client
        .list_multipart_uploads(&stack.bucket(), Some(prefix))
        .await
        .expect("list uploads")
        .len()
}

/// Slows every UploadPart so a transfer can be caught mid-way.
pub async fn slow_parts(stack: &Stack) {
    stack
        .emu
        .add_faults(&["op=UploadPart,kind=delay,ms=150"])
        .await;
}

/// Waits (bounded) until at least `parts` parts finished.
pub async fn wait_for_parts(transfer: &Transfer, parts: u32, within: Duration) {
    let started = Instant::now();
    while transfer.snapshot().parts_done < parts {
        assert!(
            started.elapsed() < within,
            "transfer did not finish {parts} parts within {within:?}: {:?}",
            transfer.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// 1 MiB parts, 2 in flight: multipart transfers from a few MiB.
pub fn small_parts() -> Option<ossdirect_ffi::TransferOptions> {
    Some(ossdirect_ffi::TransferOptions {
        part_size: 1024 * 1024,
        parallel: 2,
        multipart_threshold: 1024 * 1024,
        ..ossdirect_ffi::TransferOptions::default()
    })
}
