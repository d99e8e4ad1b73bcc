//! The one signer interface the client signs through, with a local implementation (credentials
//! from a provider, V1 or V4) and a remote one (the app's server computes the signature, so the
//! device never holds a secret — the "self-signed mode" of the official mobile SDKs).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use crate::credentials::CredentialsProvider;
use crate::error::{Error, Result};
use crate::sign::{
    v1, v4, QuerySignature, RequestToSign, SignatureVersion, SigningKeyCache,
    V4_MAX_PRESIGN_SECONDS,
};

mod endpoint;
mod remote;

pub use endpoint::SigningEndpoint;
pub use remote::{RemoteSignature, RemoteSigner, SignatureSource, SigningInput};

/// Signs requests for the client.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// Signs `request` in its headers as of `time`; returns it with `Authorization` and the other
    /// signing headers added.
    fn sign_headers(
        &self,
        request: RequestToSign,
        time: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<RequestToSign>>;

    /// Presigns `request` for `expires_in` seconds from `time`.
    fn presign(
        &self,
        request: RequestToSign,
        time: DateTime<Utc>,
        expires_in: u64,
    ) -> BoxFuture<'_, Result<QuerySignature>>;

    /// The server refused the credentials of the last signature; use fresh ones next time.
    fn invalidate(&self) {}
}

fn check_presign_lifetime(version: SignatureVersion, expires_in: u64) -> Result<()> {
    if version == SignatureVersion::V4 && expires_in > V4_MAX_PRESIGN_SECONDS {
        return Err(Error::InvalidArgument(format!(
            "V4 presigned URLs last at most {V4_MAX_PRESIGN_SECONDS} s (7 days), not {expires_in} s"
        )));
    }
    Ok(())
}

/// Signs with credentials from a provider.
#[derive(Debug)]
pub struct CredentialsSigner {
    provider: Arc<dyn CredentialsProvider>,
    version: SignatureVersion,
    region: String,
    additional_headers: Vec<String>,
    cache: SigningKeyCache,
}

impl CredentialsSigner {
    /// A signer using `provider`'s credentials, the given version, region and V4 additional headers.
    pub fn new(
        provider: Arc<dyn CredentialsProvider>,
        version: SignatureVersion,
        region: impl Into<String>,
        additional_headers: Vec<String>,
    ) -> Self {
        Self {
            provider,
            version,
            region: region.into(),
            additional_headers,
            cache: SigningKeyCache::default(),
        }
    }
}

impl Signer for CredentialsSigner {
    fn sign_headers(
        &self,
        mut request: RequestToSign,
        time: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<RequestToSign>> {
        Box::pin(async move {
            let credentials = self.provider.credentials().await?;
            match self.version {
                SignatureVersion::V1 => {
                    v1::sign_headers(&mut request, &credentials, time, &[]);
                }
                SignatureVersion::V4 => {
                    v4::sign_headers(
                        &mut request,
                        &credentials,
                        &self.region,
                        time,
                        &self.additional_headers,
                        Some(&self.cache),
                    );
                }
            }
            Ok(request)
        })
    }

    fn presign(
        &self,
        request: RequestToSign,
        time: DateTime<Utc>,
        expires_in: u64,
    ) -> BoxFuture<'_, Result<QuerySignature>> {
        Box::pin(async move {
            check_presign_lifetime(self.version, expires_in)?;
            let credentials = self.provider.credentials().await?;
            let signed = match self.version {
                SignatureVersion::V1 => {
                    let expires_at = time.timestamp() + expires_in as i64;
                    v1::presign(&request, &credentials, expires_at, &[])
                }
                SignatureVersion::V4 => v4::presign(
                    &request,
                    &credentials,
                    &self.region,
                    time,
                    expires_in,
                    &self.additional_headers,
                ),
            };
            Ok(signed)
        })
    }

    fn invalidate(&self) {
        self.provider.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credentials, StaticProvider};

    #[tokio::test]
    async fn v4_presign_lifetime_is_capped() {
        let time = Utc::now();
        let s = CredentialsSigner::new(
            Arc::new(StaticProvider::new(Credentials::new("a", "b"))),
            SignatureVersion::V4,
            "cn-hangzhou",
            vec![],
        );
        let req = RequestToSign::new("GET", Some("b"), Some("k"));
        assert!(s.presign(req.clone(), time, 7 * 24 * 3600).await.is_ok());
        assert!(matches!(
            s.presign(req, time, 7 * 24 * 3600 + 1).await,
            Err(Error::InvalidArgument(_))
        ));
    }
}
