//! Shared helpers: starting an emulator in a temporary directory, clients, raw signing.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ossdirect::sign::{v1, v4, RequestToSign};
use ossdirect::{
    Addressing, Client, Credentials, Endpoint, RetryPolicy, SignatureVersion, StaticProvider,
};
use ossdirect_emulator::{Emulator, EmulatorOptions, ReadyInfo};

/// A running emulator and its data directory.
pub struct Harness {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Harness {
    /// An emulator with default options in a fresh directory.
    pub async fn start() -> Harness {
        Self::start_with(|_| {}).await
    }

    /// An emulator with options adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut EmulatorOptions)) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = EmulatorOptions {
            data_dir: dir.path().to_owned(),
            ..EmulatorOptions::default()
        };
        adjust(&mut options);
        let emulator = Emulator::start(options).await.expect("emulator starts");
        Harness {
            emulator,
            dir,
            http: reqwest::Client::new(),
        }
    }

    pub fn info(&self) -> &ReadyInfo {
        self.emulator.info()
    }

    /// The default user's long-lived credentials.
    pub fn user(&self) -> Credentials {
        Credentials::new(&self.info().access_key_id, &self.info().access_key_secret)
    }

    /// An SDK client with `credentials`, no retries.
    pub fn client(&self, credentials: Credentials, version: SignatureVersion) -> Client {
        self.client_with(credentials, version, RetryPolicy::none())
    }

    /// An SDK client with `credentials` and a retry policy.
    pub fn client_with(
        &self,
        credentials: Credentials,
        version: SignatureVersion,
        retry: RetryPolicy,
    ) -> Client {
        Client::builder(&self.info().region)
            .endpoint(Endpoint::parse(&self.info().oss_endpoint).expect("endpoint"))
            .credentials_provider(Arc::new(StaticProvider::new(credentials)))
            .signature_version(version)
            .retry_policy(retry)
            .read_timeout(Duration::from_secs(10))
            .build()
            .expect("client")
    }

    /// A control endpoint URL.
    pub fn control(&self, path: &str) -> String {
        format!("{}/_emulator/{path}", self.info().oss_endpoint)
    }

    /// Adds fault rules through the control endpoint.
    pub async fn add_faults(&self, rules: &[&str]) {
        let r = self
            .http
            .post(self.control("faults"))
            .body(serde_json::to_string(rules).expect("JSON"))
            .send()
            .await
            .expect("faults endpoint");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }

    /// The stats document.
    pub async fn stats(&self) -> serde_json::Value {
        self.http
            .get(self.control("stats"))
            .send()
            .await
            .expect("stats")
            .json_value()
            .await
    }
}

/// A request to sign and send without the SDK.
pub struct Raw {
    pub method: &'static str,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub query: Vec<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn new(method: &'static str, bucket: &str, key: Option<&str>) -> Raw {
        Raw {
            method,
            bucket: Some(bucket.to_owned()),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn query(mut self, name: &str, value: Option<&str>) -> Raw {
        self.query.push((name.to_owned(), value.map(str::to_owned)));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Raw {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Raw {
        self.body = body.into();
        self
    }

    fn to_sign(&self) -> RequestToSign {
        let mut r = RequestToSign::new(self.method, self.bucket.as_deref(), self.key.as_deref());
        r.query = self.query.clone();
        r.headers = self.headers.clone();
        r
    }

    /// The path-style URL with `query`.
    pub fn url(&self, info: &ReadyInfo, query: &[(String, Option<String>)]) -> String {
        Endpoint::parse(&info.oss_endpoint)
            .expect("endpoint")
            .url_for(
                Addressing::PathStyle,
                self.bucket.as_deref(),
                self.key.as_deref(),
                query,
            )
    }

    /// Signs in headers at `time` and returns the URL and headers to send.
    pub fn sign(
        &self,
        info: &ReadyInfo,
        credentials: &Credentials,
        version: SignatureVersion,
        time: DateTime<Utc>,
    ) -> (String, Vec<(String, String)>) {
        let mut req = self.to_sign();
        match version {
            SignatureVersion::V1 => {
                v1::sign_headers(&mut req, credentials, time, &[]);
            }
            SignatureVersion::V4 => {
                v4::sign_headers(&mut req, credentials, &info.region, time, &[], None);
            }
        }
        (self.url(info, &self.query), req.headers)
    }

    /// A presigned URL valid for `expires_in` seconds from `time`.
    pub fn presign(
        &self,
        info: &ReadyInfo,
        credentials: &Credentials,
        version: SignatureVersion,
        time: DateTime<Utc>,
        expires_in: u64,
    ) -> String {
        let req = self.to_sign();
        let signed = match version {
            SignatureVersion::V1 => {
                v1::presign(&req, credentials, time.timestamp() + expires_in as i64, &[])
            }
            SignatureVersion::V4 => {
                v4::presign(&req, credentials, &info.region, time, expires_in, &[])
            }
        };
        let mut query = self.query.clone();
        query.extend(signed.params.into_iter().map(|(k, v)| (k, Some(v))));
        self.url(info, &query)
    }

    /// Signs now, sends, and returns the answer's body.
    pub async fn text(
        &self,
        h: &Harness,
        credentials: &Credentials,
        version: SignatureVersion,
    ) -> String {
        self.send(h, credentials, version)
            .await
            .text()
            .await
            .expect("body")
    }

    /// Signs now and sends.
    pub async fn send(
        &self,
        h: &Harness,
        credentials: &Credentials,
        version: SignatureVersion,
    ) -> reqwest::Response {
        let (url, headers) = self.sign(h.info(), credentials, version, Utc::now());
        send(h, self.method, &url, &headers, self.body.clone()).await
    }
}

/// Sends a request as given.
pub async fn send(
    h: &Harness,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut builder = h
        .http
        .request(method.parse().expect("method"), url)
        .body(body);
    for (k, v) in headers {
        builder = builder.header(k, v);
    }
    builder.send().await.expect("request sent")
}

/// The text of `<name>` in an XML document.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Status and error code of an OSS error answer.
pub async fn error_code(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    (status, xml_field(&body, "Code").unwrap_or_default(), body)
}

/// The code of an SDK error.
pub fn code(result: ossdirect::Result<impl std::fmt::Debug>) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{e}")),
    }
}

/// Reading a JSON answer without reqwest's `json` feature.
pub trait JsonBody {
    /// The body as JSON.
    async fn json_value(self) -> serde_json::Value;
}

impl JsonBody for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        let bytes = self.bytes().await.expect("body");
        serde_json::from_slice(&bytes).expect("JSON body")
    }
}
