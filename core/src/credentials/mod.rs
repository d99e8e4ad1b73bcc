//! Credentials and where they come from.

mod provider;
mod refreshing;
mod token_endpoint;

use chrono::{DateTime, Utc};
pub use provider::{CredentialsProvider, StaticProvider};
pub use refreshing::{CredentialsFetcher, RefreshPolicy, RefreshingProvider};
pub use token_endpoint::{parse_token_response, TokenEndpointFetcher};

/// An AccessKey pair, optionally with an STS security token and its expiry.
///
/// `Debug` and `Display` show only the AccessKeyId: the secret and the token never reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
    expiration: Option<DateTime<Utc>>,
}

impl Credentials {
    /// Long-lived credentials (no token, no expiry).
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            expiration: None,
        }
    }

    /// STS credentials: AccessKey pair, security token and expiry.
    pub fn sts(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
        expiration: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: Some(security_token.into()),
            expiration,
        }
    }

    /// Sets or clears the security token.
    pub fn with_security_token(mut self, token: Option<String>) -> Self {
        self.security_token = token.filter(|t| !t.is_empty());
        self
    }

    /// Sets the expiry.
    pub fn with_expiration(mut self, expiration: Option<DateTime<Utc>>) -> Self {
        self.expiration = expiration;
        self
    }

    /// The AccessKeyId.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKeySecret.
    pub fn access_key_secret(&self) -> &str {
        &self.access_key_secret
    }

    /// The STS security token, if any.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// When the credentials stop working, if they expire.
    pub fn expiration(&self) -> Option<DateTime<Utc>> {
        self.expiration
    }

    /// Whether they expire within `margin` of `now`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.expiration.is_some_and(|e| e - margin <= now)
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl std::fmt::Display for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccessKeyId {}", self.access_key_id)?;
        if let Some(e) = self.expiration {
            write!(f, " (expires {})", e.to_rfc3339())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_secrets() {
        let c = Credentials::sts("STS.id", "very-secret", "token-value", None);
        let shown = format!("{c:?} {c}");
        assert!(shown.contains("STS.id"));
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("token-value"));
    }
}
