//! Helpers shared by the end-to-end tests: an emulator in a temporary directory, and clients.

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
