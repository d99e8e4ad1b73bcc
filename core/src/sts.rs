//! A client for STS `AssumeRole` (RPC style, signature v1.0 HMAC-SHA1), as an app server needs
//! it to vend short-lived credentials.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;

use crate::body_limit::{read_limited, MAX_SMALL_BODY};
use crate::credentials::Credentials;
use crate::error::{Detail, Error, Result, ServiceError};
use crate::sign::{hmac_sha1, uri_encode};

/// What to ask STS for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// 2–64 characters of `[A-Za-z0-9.@_-]`, shown in audit logs.
    pub role_session_name: String,
    /// Lifetime in seconds (900 up to the role's maximum).
    pub duration_seconds: u64,
    /// A session policy (JSON) narrowing the role's permissions.
    pub policy: Option<String>,
    /// `ExternalId`, if the role's trust policy requires one.
    pub external_id: Option<String>,
}

/// What STS answered.
#[derive(Clone, Debug)]
pub struct AssumeRoleResponse {
    /// The temporary credentials (with token and expiry).
    pub credentials: Credentials,
    /// `AssumedRoleUser.Arn`.
    pub assumed_role_arn: String,
    /// `RequestId`.
    pub request_id: String,
}

/// An STS client signing with a RAM user's AccessKey.
#[derive(Clone)]
pub struct StsClient {
    endpoint: String,
    caller: Credentials,
    http: reqwest::Client,
}

impl std::fmt::Debug for StsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.endpoint)
            .field("caller", &self.caller)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SuccessBody {
    #[serde(default)]
    request_id: String,
    credentials: CredentialsBody,
    #[serde(default)]
    assumed_role_user: Option<AssumedRoleUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsBody {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    expiration: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumedRoleUser {
    #[serde(default)]
    arn: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct ErrorBody {
    request_id: String,
    host_id: String,
    code: String,
    message: String,
}

/// The RPC v1.0 signature over sorted, encoded parameters.
pub fn rpc_signature(method: &str, params: &[(String, String)], secret: &str) -> String {
    let mut sorted: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    sorted.sort();
    let query: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let string_to_sign = format!("{method}&%2F&{}", uri_encode(&query.join("&")));
    BASE64.encode(hmac_sha1(
        format!("{secret}&").as_bytes(),
        string_to_sign.as_bytes(),
    ))
}

impl StsClient {
    /// A client of the STS at `endpoint` (e.g. `https://sts.aliyuncs.com`), calling as `caller`.
    pub fn new(
        endpoint: impl Into<String>,
        caller: Credentials,
        timeout: Duration,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Error::InvalidArgument(format!("HTTP client: {e}")))?;
        Ok(Self {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            caller,
            http,
        })
    }

    /// Calls `AssumeRole`.
    pub async fn assume_role(&self, request: &AssumeRoleRequest) -> Result<AssumeRoleResponse> {
        let nonce: u128 = rand::rng().random();
        let mut params: Vec<(String, String)> = vec![
            ("Action".into(), "AssumeRole".into()),
            ("Version".into(), "2015-04-01".into()),
            ("Format".into(), "JSON".into()),
            ("AccessKeyId".into(), self.caller.access_key_id().into()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), format!("{nonce:032x}")),
            (
                "Timestamp".into(),
                Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            ("RoleArn".into(), request.role_arn.clone()),
            ("RoleSessionName".into(), request.role_session_name.clone()),
            (
                "DurationSeconds".into(),
                request.duration_seconds.to_string(),
            ),
        ];
        if let Some(token) = self.caller.security_token() {
            params.push(("SecurityToken".into(), token.into()));
        }
        if let Some(p) = &request.policy {
            params.push(("Policy".into(), p.clone()));
        }
        if let Some(e) = &request.external_id {
            params.push(("ExternalId".into(), e.clone()));
        }
        let signature = rpc_signature("POST", &params, self.caller.access_key_secret());
        params.push(("Signature".into(), signature));
        let body: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v)))
            .collect();
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = read_limited(response, MAX_SMALL_BODY, "the STS answer", Error::from).await?;
        if !(200..300).contains(&status) {
            let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(Error::Service(Box::new(ServiceError {
                status,
                code: if e.code.is_empty() {
                    format!("HTTP{status}")
                } else {
                    e.code
                },
                message: e.message,
                request_id: e.request_id,
                host_id: e.host_id,
                ..Default::default()
            })));
        }
        let ok: SuccessBody = serde_json::from_slice(&bytes)
            .map_err(|e| Error::InvalidResponse(Detail::context("AssumeRole answer", e)))?;
        let expiration = DateTime::parse_from_rfc3339(&ok.credentials.expiration)
            .map_err(|e| {
                Error::InvalidResponse(Detail::context(
                    format_args!("AssumeRole Expiration {:?}", ok.credentials.expiration),
                    e,
                ))
            })?
            .to_utc();
        Ok(AssumeRoleResponse {
            credentials: Credentials::sts(
                ok.credentials.access_key_id,
                ok.credentials.access_key_secret,
                ok.credentials.security_token,
                Some(expiration),
            ),
            assumed_role_arn: ok.assumed_role_user.map(|u| u.arn).unwrap_or_default(),
            request_id: ok.request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Alibaba Cloud's RPC signature documentation ("Request signatures",
    /// DescribeRegions with secret `testsecret`): signature `OLeaidS1JvxuMvnyHOwuJ+uX5qY=`.
    #[test]
    fn rpc_signature_matches_the_documented_example() {
        let params: Vec<(String, String)> = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            rpc_signature("GET", &params, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }
}
