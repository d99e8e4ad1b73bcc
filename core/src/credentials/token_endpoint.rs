//! Fetching credentials from the app server's token endpoint, in every format in use:
//! the official mobile SDKs' (`StatusCode`, `AccessKeyId`, ...), raw STS (`Credentials: {...}`)
//! and the credentials-URI form (`Code: "Success"`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{Credentials, CredentialsFetcher};
use crate::body_limit::{read_limited, MAX_SMALL_BODY};
use crate::error::{Detail, Error, Result};

/// Fetches credentials with an HTTP request to the app server.
#[derive(Clone)]
pub struct TokenEndpointFetcher {
    url: String,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    http: reqwest::Client,
}

impl std::fmt::Debug for TokenEndpointFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may hold the app's own bearer token: show only their names.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("TokenEndpointFetcher")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("headers", &names)
            .finish()
    }
}

impl TokenEndpointFetcher {
    /// GETs `url` with a 10 s timeout.
    pub fn new(url: impl Into<String>) -> Result<Self> {
        Self::with_options(
            url,
            reqwest::Method::GET,
            Vec::new(),
            Duration::from_secs(10),
        )
    }

    /// A fetcher with a method, extra headers (e.g. the app's `Authorization`) and a timeout.
    pub fn with_options(
        url: impl Into<String>,
        method: reqwest::Method,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> Result<Self> {
        let url = url.into();
        reqwest::Url::parse(&url)
            .map_err(|e| Error::InvalidArgument(format!("token URL {url:?}: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| Error::InvalidArgument(format!("HTTP client: {e}")))?;
        Ok(Self {
            url,
            method,
            headers,
            http,
        })
    }

    async fn fetch_once(&self) -> Result<Credentials> {
        let mut request = self.http.request(self.method.clone(), &self.url);
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else {
                "failed"
            };
            let network = Error::from(e);
            Error::Credentials(Detail::context(
                format_args!("token endpoint {} {kind}", self.url),
                network,
            ))
        })?;
        let status = response.status();
        let server_date = response
            .headers()
            .get("date")
            .and_then(|d| d.to_str().ok())
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.to_utc());
        let body = read_limited(
            response,
            MAX_SMALL_BODY,
            "the token endpoint's answer",
            Error::from,
        )
        .await
        .map_err(|e| {
            Error::Credentials(Detail::context(
                format_args!("token endpoint {}", self.url),
                e,
            ))
        })?;
        let credentials = parse_token_response(status.as_u16(), &body).map_err(|msg| {
            Error::Credentials(format!("token endpoint {}: {msg}", self.url).into())
        })?;
        Ok(to_local_clock(credentials, server_date, Utc::now()))
    }
}

impl CredentialsFetcher for TokenEndpointFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch_once())
    }
}

/// Moves the expiry onto the local clock: if the server's `Date` says it is later (or earlier)
/// than here, the token expires correspondingly earlier (or later) by the local clock.
fn to_local_clock(
    c: Credentials,
    server_now: Option<DateTime<Utc>>,
    local_now: DateTime<Utc>,
) -> Credentials {
    match (c.expiration(), server_now) {
        (Some(exp), Some(server)) => {
            let skew = server - local_now;
            let exp = exp - skew;
            c.with_expiration(Some(exp))
        }
        _ => c,
    }
}

fn field<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The start of a body for an error message, unless it might hold a credential.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    if lower.contains("secret") || lower.contains("token") {
        return format!("<{} bytes, not shown: may hold credentials>", body.len());
    }
    text.chars()
        .take(120)
        .collect::<String>()
        .replace('\n', " ")
}

/// Parses a token endpoint's answer. Errors are plain messages naming what was wrong (never
/// quoting a secret).
pub fn parse_token_response(status: u16, body: &[u8]) -> std::result::Result<Credentials, String> {
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &body[i..])
        .unwrap_or(b"");
    let json: Value = match serde_json::from_slice(trimmed) {
        Ok(v) => v,
        Err(e) => {
            let what = if trimmed.starts_with(b"<") {
                "HTML/XML instead of JSON"
            } else if trimmed.is_empty() {
                "an empty body"
            } else {
                "malformed JSON"
            };
            return Err(format!(
                "HTTP {status} with {what} ({e}); body starts {}",
                snippet(trimmed)
            ));
        }
    };
    if !json.is_object() {
        return Err(format!(
            "HTTP {status}: expected a JSON object, got {}",
            snippet(trimmed)
        ));
    }
    // Failure shapes: the mobile SDKs' StatusCode/ErrorCode/ErrorMessage, STS's Code/Message.
    let status_code = json.get("StatusCode").map(|v| match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let code = field(&json, "Code");
    let failed_status = status_code.as_deref().is_some_and(|s| s != "200");
    let failed_code = code.is_some_and(|c| c != "Success") && json.get("Credentials").is_none();
    if !(200..300).contains(&status) || failed_status || failed_code {
        let error_code = field(&json, "ErrorCode").or(code).unwrap_or("unknown");
        let message = field(&json, "ErrorMessage")
            .or(field(&json, "Message"))
            .unwrap_or("");
        return Err(format!(
            "refused (HTTP {status}, StatusCode {}): {error_code} {message}",
            status_code.as_deref().unwrap_or("-")
        )
        .trim_end()
        .to_owned());
    }
    let creds = json
        .get("Credentials")
        .filter(|c| c.is_object())
        .unwrap_or(&json);
    let mut missing = Vec::new();
    let mut get = |name: &str| {
        let v = field(creds, name);
        if v.is_none() {
            missing.push(name.to_owned());
        }
        v.unwrap_or_default().to_owned()
    };
    let id = get("AccessKeyId");
    let secret = get("AccessKeySecret");
    let token = get("SecurityToken");
    let expiration = get("Expiration");
    if !missing.is_empty() {
        return Err(format!(
            "HTTP {status}: the answer lacks {}",
            missing.join(", ")
        ));
    }
    let expiration = parse_expiration(&expiration).ok_or_else(|| {
        format!("Expiration {expiration:?} is not a UTC time like 2024-01-01T00:00:00Z")
    })?;
    if expiration <= Utc::now() {
        return Err(format!(
            "the credentials expired already (Expiration {})",
            expiration.to_rfc3339()
        ));
    }
    Ok(Credentials::sts(id, secret, token, Some(expiration)))
}

fn parse_expiration(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.to_utc())
        .ok()
        .or_else(|| {
            // Android's format: yyyy-MM-dd'T'HH:mm:ss, read as UTC.
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn future() -> String {
        (Utc::now() + chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    #[test]
    fn accepts_the_three_shapes() {
        let e = future();
        let mobile = format!(
            r#"{{"StatusCode":200,"AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"{e}"}}"#
        );
        let sts = format!(
            r#"{{"RequestId":"r","Credentials":{{"AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"{e}"}}}}"#
        );
        let uri = format!(
            r#"{{"Code":"Success","AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"{e}"}}"#
        );
        let string_status = format!(
            r#"{{"StatusCode":"200","AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"{e}"}}"#
        );
        for body in [mobile, sts, uri, string_status] {
            let c = parse_token_response(200, body.as_bytes()).unwrap();
            assert_eq!(
                (c.access_key_id(), c.security_token()),
                ("STS.a", Some("t"))
            );
        }
    }

    #[test]
    fn says_what_is_wrong() {
        let err = |status, body: &str| parse_token_response(status, body.as_bytes()).unwrap_err();
        assert!(err(200, "<html>oops</html>").contains("HTML/XML instead of JSON"));
        assert!(err(200, "{not json").contains("malformed JSON"));
        assert!(err(200, "").contains("empty body"));
        assert!(err(200, r#"{"StatusCode":200,"AccessKeyId":"a"}"#)
            .contains("lacks AccessKeySecret, SecurityToken, Expiration"));
        let refused = err(
            200,
            r#"{"StatusCode":500,"ErrorCode":"NoPermission","ErrorMessage":"nope"}"#,
        );
        assert!(refused.contains("NoPermission nope"), "{refused}");
        assert!(err(403, r#"{"Code":"Forbidden","Message":"bad token"}"#)
            .contains("Forbidden bad token"));
        let past = r#"{"AccessKeyId":"a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2001-01-01T00:00:00Z"}"#;
        assert!(err(200, past).contains("expired already"));
        let bad_time = r#"{"AccessKeyId":"a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"tomorrow"}"#;
        assert!(err(200, bad_time).contains("not a UTC time"));
    }

    #[test]
    fn errors_never_quote_secrets() {
        let body = r#"{"AccessKeyId":"a","AccessKeySecret":"TOPSECRET","SecurityToken":"TOKENVALUE","Expiration":"bad"}"#;
        let e = parse_token_response(200, body.as_bytes()).unwrap_err();
        assert!(!e.contains("TOPSECRET") && !e.contains("TOKENVALUE"), "{e}");
        let truncated = r#"{"AccessKeyId":"a","AccessKeySecret":"TOPSECRET","Secu"#;
        let e = parse_token_response(200, truncated.as_bytes()).unwrap_err();
        assert!(
            e.contains("malformed JSON") && !e.contains("TOPSECRET"),
            "{e}"
        );
    }

    #[test]
    fn expiry_moves_to_the_local_clock() {
        let local = Utc::now();
        let exp = local + chrono::Duration::hours(1);
        let c = Credentials::sts("a", "s", "t", Some(exp));
        // The server is 10 minutes ahead: the token ends 10 minutes earlier by our clock.
        let moved = to_local_clock(c, Some(local + chrono::Duration::minutes(10)), local);
        assert_eq!(
            moved.expiration(),
            Some(exp - chrono::Duration::minutes(10))
        );
    }
}
