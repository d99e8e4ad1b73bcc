//! A [`SignatureSource`] that asks an `ossdirect-server` (`POST /sign`) for each signature.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::{RemoteSignature, SignatureSource, SigningInput};
use crate::body_limit::{read_limited, MAX_SMALL_BODY};
use crate::error::{Detail, Error, Result};

/// The JSON body of `POST /sign`.
#[derive(Serialize)]
struct SignBody<'a> {
    version: String,
    method: &'a str,
    bucket: &'a str,
    /// Empty for a request on the bucket itself.
    key: &'a str,
    query: &'a [(String, Option<String>)],
    headers: Vec<(&'a str, &'a str)>,
    string_to_sign: &'a str,
    date: &'a str,
    region: &'a str,
}

#[derive(Deserialize)]
struct SignAnswer {
    signature: String,
    access_key_id: String,
    #[serde(default)]
    security_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct SignRefusal {
    error_code: String,
    error_message: String,
}

/// Signs through the app server's signing endpoint, authenticating as the app user.
#[derive(Clone)]
pub struct SigningEndpoint {
    url: String,
    headers: Vec<(String, String)>,
    http: reqwest::Client,
}

impl std::fmt::Debug for SigningEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("SigningEndpoint")
            .field("url", &self.url)
            .field("headers", &names)
            .finish()
    }
}

impl SigningEndpoint {
    /// Signs through `url` (e.g. `https://app.example.com/sign`), sending `headers` (e.g. the
    /// app's `Authorization`) with each call.
    pub fn new(
        url: impl Into<String>,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> Result<Self> {
        let url = url.into();
        reqwest::Url::parse(&url)
            .map_err(|e| Error::InvalidArgument(format!("signing URL {url:?}: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Error::InvalidArgument(format!("HTTP client: {e}")))?;
        Ok(Self { url, headers, http })
    }

    async fn call(&self, input: SigningInput) -> Result<RemoteSignature> {
        let request = &input.request;
        let Some(bucket) = &request.bucket else {
            return Err(Error::InvalidArgument(
                "remote signing covers bucket and object requests only".into(),
            ));
        };
        let body = SignBody {
            version: input.version.to_string(),
            method: &request.method,
            bucket,
            // A request on the bucket itself (a listing) has no key: "" on the wire.
            key: request.key.as_deref().unwrap_or_default(),
            query: &request.query,
            headers: request
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            string_to_sign: &input.string_to_sign,
            date: &input.date,
            region: &input.region,
        };
        let json = serde_json::to_vec(&body)
            .map_err(|e| Error::Signing(Detail::context("request does not serialize", e)))?;
        let mut call = self
            .http
            .post(&self.url)
            .header("Content-Type", "application/json")
            .body(json);
        for (k, v) in &self.headers {
            call = call.header(k, v);
        }
        let fail =
            |what: String| Error::Signing(format!("signing endpoint {}: {what}", self.url).into());
        let failed = |e: reqwest::Error| {
            let network = Error::from(e);
            Error::Signing(Detail::context(
                format_args!("signing endpoint {}", self.url),
                network,
            ))
        };
        let response = call.send().await.map_err(failed)?;
        let status = response.status();
        let bytes = read_limited(
            response,
            MAX_SMALL_BODY,
            "the signing endpoint's answer",
            Error::from,
        )
        .await
        .map_err(|e| {
            Error::Signing(Detail::context(
                format_args!("signing endpoint {}", self.url),
                e,
            ))
        })?;
        if !status.is_success() {
            let refusal: SignRefusal = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(fail(format!(
                "refused (HTTP {}): {} {}",
                status.as_u16(),
                refusal.error_code,
                refusal.error_message
            )));
        }
        let answer: SignAnswer = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Signing(Detail::context(
                format_args!("signing endpoint {}: unexpected answer", self.url),
                e,
            ))
        })?;
        Ok(RemoteSignature {
            signature: answer.signature,
            access_key_id: answer.access_key_id,
            security_token: answer.security_token.filter(|t| !t.is_empty()),
        })
    }
}

impl SignatureSource for SigningEndpoint {
    fn signature(&self, input: SigningInput) -> BoxFuture<'_, Result<RemoteSignature>> {
        Box::pin(self.call(input))
    }
}
