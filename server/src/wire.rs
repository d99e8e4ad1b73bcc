//! The token endpoint's answer in the official mobile SDKs' format.

use ossdirect::Credentials;
use serde::{Deserialize, Serialize};

/// `GET /sts-token`'s answer: what the Android and iOS SDKs' `OSSAuthCredentialsProvider`
/// (and `ossdirect::credentials::TokenEndpointFetcher`) parse.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenResponse {
    /// Always 200 (a number).
    pub status_code: u16,
    /// `STS.…`.
    pub access_key_id: String,
    /// The temporary secret.
    pub access_key_secret: String,
    /// The security token.
    pub security_token: String,
    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    pub expiration: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl From<&Credentials> for TokenResponse {
    fn from(c: &Credentials) -> Self {
        Self {
            status_code: 200,
            access_key_id: c.access_key_id().to_owned(),
            access_key_secret: c.access_key_secret().to_owned(),
            security_token: c.security_token().unwrap_or_default().to_owned(),
            expiration: expiration_text(c),
        }
    }
}

/// The expiry as `YYYY-MM-DDTHH:MM:SSZ`, the one format both mobile SDKs parse (empty when the
/// credentials do not expire).
pub fn expiration_text(c: &Credentials) -> String {
    c.expiration()
        .map(|e| e.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn matches_the_mobile_sdk_format() {
        let exp = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap();
        let c = Credentials::sts("STS.a", "s", "t", Some(exp));
        let json = serde_json::to_value(TokenResponse::from(&c)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"StatusCode": 200, "AccessKeyId": "STS.a", "AccessKeySecret": "s",
                "SecurityToken": "t", "Expiration": "2030-01-02T03:04:05Z"})
        );
        let text = serde_json::to_string(&TokenResponse::from(&c)).unwrap();
        let parsed = ossdirect::credentials::parse_token_response(200, text.as_bytes()).unwrap();
        assert_eq!(parsed.expiration(), Some(exp));
        assert!(!format!("{:?}", TokenResponse::from(&c)).contains("\"s\""));
    }
}
