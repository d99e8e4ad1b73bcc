//! Helpers shared by the end-to-end tests: an emulator in a temporary directory, and clients.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::sync::Arc;

use ossdirect::{Client, Credentials, Endpoint, SignatureVersion, StaticProvider};
use ossdirect_emulator::{Emulator, EmulatorOptions, ReadyInfo};

/// A running emulator and the directory holding its data; both go away on drop.
pub struct TestEmulator {
    /// The emulator (shut down on drop).
    pub emulator: Emulator,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl TestEmulator {
    /// Starts an emulator on 127.0.0.1:0 with a fresh data directory.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts an emulator after `configure` adjusted its options.
    pub async fn start_with(configure: impl FnOnce(&mut EmulatorOptions)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options = EmulatorOptions {
            listen: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().to_path_buf(),
            ..EmulatorOptions::default()
        };
        configure(&mut options);
        let emulator = Emulator::start(options).await.expect("emulator starts");
        Self { emulator, dir }
    }

    /// Stops the emulator (its data directory stays until this value is dropped).
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }

    /// What the emulator printed when ready.
    pub fn info(&self) -> &ReadyInfo {
        self.emulator.info()
    }

    /// A client of the default RAM user, signing with `version`.
    pub fn client(&self, version: SignatureVersion) -> Client {
        let info = self.info();
        self.client_with(
            version,
            Credentials::new(&info.access_key_id, &info.access_key_secret),
        )
    }

    /// A client with the given credentials, signing with `version`, without retries' waits.
    pub fn client_with(&self, version: SignatureVersion, credentials: Credentials) -> Client {
        let info = self.info();
        Client::builder(&info.region)
            .endpoint(Endpoint::parse(&info.oss_endpoint).expect("endpoint"))
            .signature_version(version)
            .credentials_provider(Arc::new(StaticProvider::new(credentials)))
            .build()
            .expect("client")
    }

    /// The emulator's per-operation statistics.
    pub async fn stats(&self) -> serde_json::Value {
        reqwest::get(&self.info().stats_url)
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats JSON")
    }
}

/// `len` bytes of a deterministic pattern.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed as usize * 7) % 251) as u8)
        .collect()
}

/// Writes `len` pattern bytes to `dir/name` and returns the path.
pub fn write_file(dir: &std::path::Path, name: &str, len: usize, seed: u8) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pattern(len, seed)).expect("write source file");
    path
}

/// Hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl TestEmulator {
    /// Adds fault rules (CLI syntax) through the control endpoint.
    pub async fn add_faults(&self, rules: &[&str]) {
        let url = format!("{}/_emulator/faults", self.info().oss_endpoint);
        let r = reqwest::Client::new()
            .post(url)
            .json(&rules)
            .send()
            .await
            .expect("faults");
        assert!(r.status().is_success(), "adding faults: {}", r.status());
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        let url = format!("{}/_emulator/faults", self.info().oss_endpoint);
        reqwest::Client::new()
            .delete(url)
            .send()
            .await
            .expect("faults");
    }

    /// Bytes the emulator received for `operation` so far.
    pub async fn bytes_received(&self, operation: &str) -> u64 {
        self.stats().await["operations"][operation]["bytes_received"]
            .as_u64()
            .unwrap_or(0)
    }

    /// Object bytes the emulator read for `operation`'s answers so far (GetObject).
    pub async fn bytes_sent(&self, operation: &str) -> u64 {
        self.stats().await["operations"][operation]["bytes_sent"]
            .as_u64()
            .unwrap_or(0)
    }

    /// Requests the emulator counted for `operation` so far.
    pub async fn count(&self, operation: &str) -> u64 {
        self.stats().await["operations"][operation]["count"]
            .as_u64()
            .unwrap_or(0)
    }
}
