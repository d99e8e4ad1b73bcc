//! The provider abstraction the client consults before signing each request.

use futures_util::future::BoxFuture;

use super::Credentials;
use crate::error::{Error, Result};

/// A source of credentials, asked before each request is signed.
///
/// Implementations cache as they see fit; `invalidate` tells them the server refused the
/// credentials they gave (`InvalidAccessKeyId`, `InvalidSecurityToken`, `SecurityTokenExpired`).
pub trait CredentialsProvider: Send + Sync + std::fmt::Debug {
    /// The credentials to sign the next request with.
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>>;

    /// The server refused the credentials last handed out; fetch fresh ones next time.
    fn invalidate(&self) {}
}

/// Fixed credentials.
#[derive(Clone, Debug)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    /// Always hands out `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }

    /// Reads the official SDKs' variables `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and
    /// `OSS_SESSION_TOKEN` (optional).
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let id = var("OSS_ACCESS_KEY_ID")
            .ok_or_else(|| Error::Credentials("OSS_ACCESS_KEY_ID is not set".into()))?;
        let secret = var("OSS_ACCESS_KEY_SECRET")
            .ok_or_else(|| Error::Credentials("OSS_ACCESS_KEY_SECRET is not set".into()))?;
        Ok(Self::new(
            Credentials::new(id, secret).with_security_token(var("OSS_SESSION_TOKEN")),
        ))
    }
}

impl CredentialsProvider for StaticProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move { Ok(self.credentials.clone()) })
    }
}
