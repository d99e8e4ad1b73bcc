//! Authenticating app users: static bearer tokens, JWTs, or (on loopback only) an anonymous user.

mod bearer;
mod jwt;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
pub use bearer::{new_bearer_token, token_sha256_hex, TokenTable};
pub use jwt::JwtVerifier;
pub(crate) use jwt::MIN_HS256_SECRET_BYTES;

use crate::config::{AuthConfig, ConfigError, TokenEntry};

/// Why a request was not authenticated. The messages are safe to return to the caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header (and no anonymous user configured).
    #[error("no credentials: send Authorization: Bearer <token>")]
    Missing,
    /// The header is not `Bearer <token>`.
    #[error("the Authorization header is not 'Bearer <token>'")]
    Malformed,
    /// The bearer value is neither a known token nor a JWT.
    #[error("the bearer token is not known")]
    UnknownToken,
    /// The JWT was refused; the text says why.
    #[error("{0}")]
    InvalidJwt(String),
    /// More than one `Authorization` header: which one counts would be a guess.
    #[error("more than one Authorization header")]
    Duplicate,
}

/// Checks a static token entry (used by configuration validation).
pub(crate) fn check_token_entry(entry: &TokenEntry) -> Result<(), String> {
    bearer::entry_digest(entry).map(|_| ())
}

/// Turns a request's `Authorization` header into a user id.
#[derive(Debug)]
pub struct Authenticator {
    tokens: TokenTable,
    jwt: Option<JwtVerifier>,
    anonymous: Option<String>,
}

impl Authenticator {
    /// Loads the tokens file and JWT keys named by `config`.
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        let mut tokens = TokenTable::new(&config.tokens)?;
        if let Some(path) = &config.tokens_file {
            tokens.load_file(path)?;
        }
        let jwt = config.jwt.as_ref().map(JwtVerifier::new).transpose()?;
        if let Some(prefix) = config.jwt.as_ref().map(|j| j.user_prefix.as_str()) {
            let taken: Vec<String> = tokens
                .users()
                .filter(|u| !prefix.is_empty() && u.starts_with(prefix))
                .map(|u| format!("auth: static-token user {u:?} starts with auth.jwt.user_prefix {prefix:?}, which is kept for JWT subjects"))
                .collect();
            ConfigError::from_problems(taken)?;
        }
        Ok(Self {
            tokens,
            jwt,
            anonymous: config.allow_anonymous_user.clone(),
        })
    }

    /// The user id the request authenticates as (not yet checked as a [`crate::UserId`]: a
    /// JWT's `sub` can be anything).
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<String, AuthError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return self.anonymous.clone().ok_or(AuthError::Missing);
        };
        if values.next().is_some() {
            return Err(AuthError::Duplicate);
        }
        let value = value.to_str().map_err(|_| AuthError::Malformed)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::Malformed)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(AuthError::Malformed);
        }
        if let Some(user) = self.tokens.lookup(token) {
            return Ok(user.to_owned());
        }
        match &self.jwt {
            Some(jwt) if jwt::looks_like_jwt(token) => {
                jwt.verify(token).map_err(AuthError::InvalidJwt)
            }
            _ => Err(AuthError::UnknownToken),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const TOKEN: &str = "alice-token-0123456789";

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    fn authenticator(anonymous: Option<&str>) -> Authenticator {
        Authenticator::new(&AuthConfig {
            tokens: vec![TokenEntry::new("alice", TOKEN)],
            allow_anonymous_user: anonymous.map(str::to_owned),
            ..AuthConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn bearer_tokens_map_to_users() {
        let a = authenticator(None);
        let auth = |h: Option<&str>| a.authenticate(&headers(h));
        assert_eq!(auth(Some(&format!("Bearer {TOKEN}"))), Ok("alice".into()));
        assert_eq!(auth(Some(&format!("bearer  {TOKEN} "))), Ok("alice".into()));
        assert_eq!(auth(None), Err(AuthError::Missing));
        assert_eq!(auth(Some("Bearer nope")), Err(AuthError::UnknownToken));
        assert_eq!(
            auth(Some(&format!("Basic {TOKEN}"))),
            Err(AuthError::Malformed)
        );
        assert_eq!(auth(Some("Bearer")), Err(AuthError::Malformed));
        // Without a JWT configuration, JWT-shaped values are just unknown tokens.
        assert_eq!(auth(Some("Bearer a.b.c")), Err(AuthError::UnknownToken));
    }

    #[test]
    fn two_authorization_headers_are_refused() {
        let a = authenticator(Some("demo"));
        let mut h = headers(Some(&format!("Bearer {TOKEN}")));
        h.append(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer other-token-0123456789"),
        );
        assert_eq!(a.authenticate(&h), Err(AuthError::Duplicate));
    }

    #[test]
    fn anonymous_only_without_a_header() {
        let a = authenticator(Some("demo"));
        assert_eq!(a.authenticate(&headers(None)), Ok("demo".into()));
        assert_eq!(
            a.authenticate(&headers(Some("Bearer wrong"))),
            Err(AuthError::UnknownToken)
        );
    }
}
