//! The HTTP client: builds, signs and sends requests, classifies answers, retries.

mod clock;
mod endpoint;
pub(crate) mod error_response;
mod response;
mod retry;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
pub use clock::{Clock, MAX_CLOCK_OFFSET_SECONDS};
pub use endpoint::{Addressing, Endpoint};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
/// HTTP methods (re-exported from `http`).
pub use reqwest::Method;
use reqwest::StatusCode;
pub use response::{OssResponse, StreamingResponse};
use retry::Retries;
pub use retry::RetryPolicy;

use crate::credentials::CredentialsProvider;
use crate::error::{codes, Error, Result};
use crate::sign::{RequestToSign, SignatureVersion};
use crate::signer::{CredentialsSigner, Signer};

/// A request to OSS before signing.
#[derive(Clone, Debug)]
pub struct OssRequest {
    /// HTTP method.
    pub method: Method,
    /// Bucket, if any.
    pub bucket: Option<String>,
    /// Object key, if any.
    pub key: Option<String>,
    /// Query parameters (decoded; `None` = valueless).
    pub query: Vec<(String, Option<String>)>,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// The body (cheap to clone, so retries resend it).
    pub body: Bytes,
    /// Told how many body bytes of the current attempt were handed to the connection.
    pub progress: Option<BodyProgress>,
}

/// A callback receiving the bytes of a request body sent so far in the current attempt
/// (it starts again from 0 when a request is retried).
#[derive(Clone)]
pub struct BodyProgress(pub std::sync::Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for BodyProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyProgress")
    }
}

/// Bodies are handed over in slices of this size when progress is reported.
const PROGRESS_CHUNK: usize = 64 * 1024;

/// The body of one attempt: the bytes as they are, or sliced and counted for progress.
fn attempt_body(body: &Bytes, progress: Option<&BodyProgress>) -> reqwest::Body {
    let Some(progress) = progress.filter(|_| !body.is_empty()) else {
        return reqwest::Body::from(body.clone());
    };
    let report = progress.0.clone();
    report(0);
    let body = body.clone();
    let chunks = (0..body.len()).step_by(PROGRESS_CHUNK).map(move |start| {
        let end = (start + PROGRESS_CHUNK).min(body.len());
        report(end as u64);
        Ok::<Bytes, std::io::Error>(body.slice(start..end))
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

impl OssRequest {
    /// A request without query, headers or body.
    pub fn new(method: Method, bucket: Option<&str>, key: Option<&str>) -> Self {
        Self {
            method,
            bucket: bucket.map(str::to_owned),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
            progress: None,
        }
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: Option<&str>) -> Self {
        self.query.push((name.to_owned(), value.map(str::to_owned)));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    fn to_sign(&self) -> RequestToSign {
        RequestToSign {
            method: self.method.as_str().to_owned(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
        }
    }
}

/// Settings of a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// The region (V4 scope), e.g. `cn-hangzhou`.
    pub region: String,
    /// Bucket addressing.
    pub addressing: Addressing,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of an answer.
    pub read_timeout: Duration,
    /// `User-Agent` sent with every request.
    pub user_agent: String,
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    endpoint: Option<Endpoint>,
    region: String,
    addressing: Addressing,
    version: SignatureVersion,
    additional_headers: Vec<String>,
    provider: Option<Arc<dyn CredentialsProvider>>,
    signer: Option<Arc<dyn Signer>>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent_suffix: Option<String>,
}

impl ClientBuilder {
    /// Appends the app's name and version to the `User-Agent` (`ossdirect/x.y.z <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into()).filter(|s| !s.trim().is_empty());
        self
    }

    /// The endpoint (default: the region's public endpoint).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Bucket addressing (default: virtual-hosted; path style for IP endpoints).
    pub fn addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = addressing;
        self
    }

    /// Signature version (default V4).
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.version = version;
        self
    }

    /// Extra headers to sign with V4 (`AdditionalHeaders`), e.g. `host`.
    pub fn additional_headers(mut self, headers: Vec<String>) -> Self {
        self.additional_headers = headers;
        self
    }

    /// Where credentials come from.
    pub fn credentials_provider(mut self, provider: Arc<dyn CredentialsProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// A custom signer (e.g. [`crate::signer::RemoteSigner`]); replaces the credentials provider.
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Retry policy (default: 3 attempts, full jitter from 200 ms).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest wait for the next bytes of an answer (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let endpoint = match self.endpoint {
            Some(e) => e,
            None => Endpoint::from_region(&self.region)?,
        };
        let signer: Arc<dyn Signer> = match (self.signer, self.provider) {
            (Some(s), _) => s,
            (None, Some(p)) => Arc::new(CredentialsSigner::new(
                p,
                self.version,
                self.region.clone(),
                self.additional_headers,
            )),
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "a client needs a credentials provider or a signer".into(),
                ))
            }
        };
        let mut user_agent = format!("ossdirect/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &self.user_agent_suffix {
            user_agent = format!("{user_agent} {}", suffix.trim());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(user_agent.clone())
            .build()
            .map_err(|e| Error::InvalidArgument(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                config: ClientConfig {
                    endpoint,
                    region: self.region,
                    addressing: self.addressing,
                    retry: self.retry,
                    connect_timeout: self.connect_timeout,
                    read_timeout: self.read_timeout,
                    user_agent,
                },
                signer,
                http,
                clock: Clock::default(),
            }),
        })
    }
}

#[derive(Debug)]
struct ClientInner {
    config: ClientConfig,
    signer: Arc<dyn Signer>,
    http: reqwest::Client,
    clock: Clock,
}

/// An OSS client. Cheap to clone; clones share connections, credentials and the clock offset.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl Client {
    /// Starts building a client for `region` (e.g. `cn-hangzhou`).
    pub fn builder(region: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            endpoint: None,
            region: region.into(),
            addressing: Addressing::Auto,
            version: SignatureVersion::V4,
            additional_headers: Vec::new(),
            provider: None,
            signer: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            user_agent_suffix: None,
        }
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The clock, corrected by what servers have said the time is.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// A presigned URL for `request` (its body is ignored), valid `expires_in` seconds.
    pub async fn presign(&self, request: &OssRequest, expires_in: u64) -> Result<String> {
        let signature = self
            .inner
            .signer
            .presign(request.to_sign(), self.inner.clock.now(), expires_in)
            .await?;
        let query = crate::sign::presigned_query(&request.query, &signature);
        Ok(self.url(request, &query))
    }

    fn url(&self, request: &OssRequest, query: &[(String, Option<String>)]) -> String {
        let c = &self.inner.config;
        c.endpoint.url_for(
            c.addressing,
            request.bucket.as_deref(),
            request.key.as_deref(),
            query,
        )
    }

    /// Sends a request with signing, retries, clock-skew correction and one credential refresh,
    /// and reads the answer's body. A body that breaks while it is read is retried too.
    pub async fn send(&self, request: &OssRequest) -> Result<OssResponse> {
        self.retrying(|| self.send_attempt_read(request)).await
    }

    /// [`Client::send`], but the successful answer comes back with its body not yet read, to be
    /// consumed as a stream. Error answers are still read and parsed into [`Error::Service`].
    /// Only getting the answer is retried; a body that breaks later is the caller's to retry.
    pub async fn send_streaming(&self, request: &OssRequest) -> Result<StreamingResponse> {
        self.retrying(|| self.send_attempt(request)).await
    }

    /// Runs `attempt` until it succeeds, under the retry policy (see [`Retries`]). The one retry
    /// loop of the client; a caller that keeps `&mut` state across attempts drives [`Retries`]
    /// itself instead.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut retries = self.retries();
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => retries.after(error).await?,
            }
        }
    }

    /// The retry state of one operation under this client's policy.
    pub(crate) fn retries(&self) -> Retries<'_> {
        Retries::new(self)
    }

    /// One attempt of [`Client::send`]: the request sent once and its body read.
    pub(crate) async fn send_attempt_read(&self, request: &OssRequest) -> Result<OssResponse> {
        self.send_attempt(request).await?.read_body().await
    }

    /// Signs and sends `request` once. A successful answer comes back unread; an error answer is
    /// read and parsed (and a clock-skew answer corrects the clock).
    pub(crate) async fn send_attempt(&self, request: &OssRequest) -> Result<StreamingResponse> {
        let body = attempt_body(&request.body, request.progress.as_ref());
        let length = (request.progress.is_some() && !request.body.is_empty())
            .then_some(request.body.len() as u64);
        self.send_attempt_with(request, body, length).await
    }

    /// [`Client::send_attempt`] with `body` (a stream of `length` bytes, e.g. a part read from
    /// its source as it goes) in place of the request's own.
    pub(crate) async fn send_attempt_with(
        &self,
        request: &OssRequest,
        body: reqwest::Body,
        length: Option<u64>,
    ) -> Result<StreamingResponse> {
        let signed = self
            .inner
            .signer
            .sign_headers(request.to_sign(), self.inner.clock.now())
            .await?;
        let headers = request_headers(&signed.headers, length)?;
        let read_timeout = self.inner.config.read_timeout;
        let response = self
            .inner
            .http
            .request(request.method.clone(), self.url(request, &request.query))
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| response::transport_error(e, read_timeout))?;
        let status = response.status();
        tracing::trace!(
            method = %request.method,
            bucket = request.bucket.as_deref().unwrap_or(""),
            key = request.key.as_deref().unwrap_or(""),
            status = status.as_u16(),
            "answered"
        );
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(StreamingResponse::new(response, read_timeout));
        }
        let answer = StreamingResponse::new(response, read_timeout)
            .read_error_body()
            .await?;
        Err(self.service_error(&answer))
    }

    /// The error an error answer stands for; a clock-skew answer also corrects the clock.
    fn service_error(&self, answer: &OssResponse) -> Error {
        let error = error_response::parse(answer.status, &answer.headers, &answer.body);
        if error.is(codes::REQUEST_TIME_TOO_SKEWED) && self.inner.config.endpoint.may_teach_clock()
        {
            let date = answer.header("date");
            if !date.is_empty() {
                self.inner.clock.observe_server_date(date);
            }
        }
        Error::Service(Box::new(error))
    }
}

/// The headers of one attempt: the signed ones, plus the length of a body sent as a stream.
fn request_headers(signed: &[(String, String)], length: Option<u64>) -> Result<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(signed.len() + 2);
    if let Some(length) = length {
        // A streamed body would otherwise go chunked; OSS wants the length.
        headers.insert(reqwest::header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    for (k, v) in signed {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|e| Error::InvalidArgument(format!("header name '{k}': {e}")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|e| Error::InvalidArgument(format!("header '{k}' value: {e}")))?;
        headers.append(name, value);
    }
    Ok(headers)
}
