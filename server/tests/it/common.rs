//! The test harness: an emulator (OSS + STS) and a token vending server in front of its STS,
//! both on 127.0.0.1 with real HTTP.

use std::sync::Arc;

use ossdirect::{
    Client, Credentials, CredentialsProvider, Endpoint, SignatureVersion, StaticProvider,
};
use ossdirect_emulator::{Emulator, EmulatorOptions, ReadyInfo};
use ossdirect_server::{RunningServer, Server, ServerConfig, TokenEntry};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Alice's static bearer token.
pub const ALICE_TOKEN: &str = "alice-token-5b0f0c2e9d1a4c77";
/// Bob's static bearer token.
pub const BOB_TOKEN: &str = "bob-token-8e3a1f4b2c6d9e0a";
/// A second bucket that the role (but not the session policy) allows.
pub const OTHER_BUCKET: &str = "other-bucket";
/// A role whose own policy allows everything, so that only the session policy confines users.
const OPEN_ROLE: &str = "vending";

/// The emulator's extra bucket and role.
const EMULATOR_CONFIG: &str = r#"
buckets = ["other-bucket"]

[[roles]]
name = "vending"
policy = '''{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}'''
"#;

/// An emulator and a server vending its STS credentials.
pub struct Harness {
    pub emulator: Emulator,
    pub server: RunningServer,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// An HTTP answer: status, JSON body (Null if not JSON) and headers.
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub headers: HeaderMap,
}

impl Answer {
    /// The `ErrorCode` of an error answer.
    pub fn error_code(&self) -> &str {
        self.json["ErrorCode"].as_str().unwrap_or_default()
    }

    /// Asserts the mobile SDKs' error shape with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.json);
        assert_eq!(self.json["StatusCode"], status, "{}", self.json);
        assert_eq!(self.error_code(), code, "{}", self.json);
        assert!(self.json["ErrorMessage"].is_string(), "{}", self.json);
    }
}

/// The default configuration for an emulator: alice and bob with bearer tokens.
pub fn config_for(info: &ReadyInfo) -> ServerConfig {
    let role_arn = format!("acs:ram::{}:role/{OPEN_ROLE}", info.account_id);
    let mut config = ServerConfig::new(&info.sts_endpoint, role_arn, &info.bucket);
    config.auth.tokens = vec![
        TokenEntry::new("alice", ALICE_TOKEN),
        TokenEntry::new("bob", BOB_TOKEN),
    ];
    config.signing.enabled = true;
    config.signing.region = Some(info.region.clone());
    config
}

/// Starts an emulator with the extra bucket and role.
pub async fn start_emulator() -> (Emulator, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_file = dir.path().join("emulator.toml");
    std::fs::write(&config_file, EMULATOR_CONFIG).expect("emulator config");
    let emulator = Emulator::start(EmulatorOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().join("data"),
        config_file: Some(config_file),
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator starts");
    (emulator, dir)
}

impl Harness {
    /// Emulator + server with the default configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Emulator + server after `adjust` changed the configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let (emulator, dir) = start_emulator().await;
        let mut config = config_for(emulator.info());
        adjust(&mut config);
        let server = Server::new(config, caller(emulator.info()))
            .expect("server configured")
            .start()
            .await
            .expect("server starts");
        Self {
            emulator,
            server,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// The emulator's ready info.
    pub fn info(&self) -> &ReadyInfo {
        self.emulator.info()
    }

    /// `GET path` with an optional bearer token.
    pub async fn get(&self, path: &str, bearer: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.server.url()));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("server answers")).await
    }

    /// `POST /sign` with `body`.
    pub async fn sign(&self, bearer: &str, body: &Value) -> Answer {
        let request = self
            .http
            .post(format!("{}/sign", self.server.url()))
            .bearer_auth(bearer)
            .json(body);
        answer(request.send().await.expect("server answers")).await
    }

    /// Credentials from `GET /sts-token`.
    pub async fn token(&self, bearer: Option<&str>) -> Credentials {
        let a = self.get("/sts-token", bearer).await;
        assert_eq!(a.status, 200, "{}", a.json);
        let text = a.json.to_string();
        ossdirect::credentials::parse_token_response(200, text.as_bytes()).expect("token JSON")
    }

    /// How many `AssumeRole` calls the emulator has answered.
    pub async fn assume_role_count(&self) -> u64 {
        let stats: Value = self
            .http
            .get(&self.info().stats_url)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats JSON");
        stats["operations"]["AssumeRole"]["count"]
            .as_u64()
            .unwrap_or(0)
    }

    /// An SDK client of the emulator's OSS using `provider`, signing with `version`.
    pub fn client(
        &self,
        provider: Arc<dyn CredentialsProvider>,
        version: SignatureVersion,
    ) -> Client {
        Client::builder(&self.info().region)
            .endpoint(Endpoint::parse(&self.info().oss_endpoint).expect("endpoint"))
            .signature_version(version)
            .credentials_provider(provider)
            .retry_policy(ossdirect::RetryPolicy::none())
            .build()
            .expect("client")
    }

    /// An SDK client with fixed credentials.
    pub fn static_client(&self, credentials: Credentials) -> Client {
        self.client(
            Arc::new(StaticProvider::new(credentials)),
            SignatureVersion::V4,
        )
    }
}

/// The emulator's RAM user: the identity the server calls STS with.
pub fn caller(info: &ReadyInfo) -> Credentials {
    Credentials::new(&info.access_key_id, &info.access_key_secret)
}

/// Reads status, headers and JSON body.
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        json,
        headers,
    }
}
