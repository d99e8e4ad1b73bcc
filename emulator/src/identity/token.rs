//! STS security tokens: self-contained, authenticated with the emulator's token key.
//!
//! A token is `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(key, "v1." + claims))>`. The
//! session's AccessKeySecret is not in it: it is derived from the key and the AccessKeyId, so a
//! token alone does not reveal the secret, and tokens stay valid across restarts as long as the
//! key (kept in `state.json`) does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::crypto::{constant_time_eq, hmac_sha256};

const PREFIX: &str = "v1.";

/// What an STS session token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionClaims {
    /// The session's AccessKeyId (`STS.…`).
    pub(crate) access_key_id: String,
    /// When the session ends (Unix seconds).
    pub(crate) expiration: i64,
    /// The ARN of the assumed role.
    pub(crate) role_arn: String,
    /// The role's name.
    pub(crate) role_name: String,
    /// The `RoleSessionName`.
    pub(crate) session_name: String,
    /// The session policy (JSON), if one was passed to `AssumeRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) policy: Option<String>,
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not a token of this format.
    Malformed,
    /// The MAC does not match: forged, altered, or minted with another key.
    BadSignature,
}

/// The secret that mints and checks tokens.
#[derive(Clone)]
pub(crate) struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

impl TokenKey {
    /// A new random key.
    pub(crate) fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill(&mut key);
        Self(key)
    }

    /// The key from its hex form.
    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The key in hex (as `state.json` keeps it).
    pub(crate) fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Mints a token for `claims`.
    pub(crate) fn mint(&self, claims: &SessionClaims) -> String {
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let signed = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let mac = hmac_sha256(&self.0, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Checks a token and returns its claims (expiry is the caller's business).
    pub(crate) fn open(&self, token: &str) -> Result<SessionClaims, TokenError> {
        let (signed, mac) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let payload = signed.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| TokenError::Malformed)?;
        let expected = hmac_sha256(&self.0, signed.as_bytes());
        if !constant_time_eq(&mac, &expected) {
            return Err(TokenError::BadSignature);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
    }

    /// The AccessKeySecret of the session with this AccessKeyId.
    pub(crate) fn session_secret(&self, access_key_id: &str) -> String {
        let mac = hmac_sha256(
            &self.0,
            format!("session-secret:{access_key_id}").as_bytes(),
        );
        hex::encode(&mac[..20])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SessionClaims {
        SessionClaims {
            access_key_id: "STS.abc".into(),
            expiration: 2_000_000_000,
            role_arn: "acs:ram::1:role/r".into(),
            role_name: "r".into(),
            session_name: "s".into(),
            policy: Some("{}".into()),
        }
    }

    #[test]
    fn mint_and_open() {
        let key = TokenKey::generate();
        let token = key.mint(&claims());
        assert_eq!(key.open(&token), Ok(claims()));
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        let again = TokenKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(
            again.session_secret("STS.abc"),
            key.session_secret("STS.abc")
        );
        assert_ne!(key.session_secret("STS.abc"), key.session_secret("STS.abd"));
    }

    #[test]
    fn refuses_tampering() {
        let key = TokenKey::generate();
        let token = key.mint(&claims());
        let mut bytes = token.clone().into_bytes();
        bytes[10] ^= 1;
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(key.open(&tampered), Err(TokenError::BadSignature));
        assert_eq!(
            TokenKey::generate().open(&token),
            Err(TokenError::BadSignature)
        );
        assert_eq!(key.open("garbage"), Err(TokenError::Malformed));
        assert_eq!(key.open("CAES+tok/en="), Err(TokenError::Malformed));
    }
}
