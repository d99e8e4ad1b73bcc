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

/// What a remote signer is handed: the string to sign and the request it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningInput {
    /// V1 or V4.
    pub version: SignatureVersion,
    /// The exact string to sign.
    pub string_to_sign: String,
    /// `yyyymmdd` of the signing time (V4 signing keys depend on it).
    pub date: String,
    /// The region (V4 signing keys depend on it).
    pub region: String,
    /// The request being signed, so the signer can check it against a policy first.
    pub request: RequestToSign,
}

/// The app-side half of remote signing: turns a [`SigningInput`] into a signature
/// (V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256 under the derived signing key).
pub trait SignatureSource: Send + Sync + std::fmt::Debug {
    /// Signs `input.string_to_sign`.
    fn signature(&self, input: SigningInput) -> BoxFuture<'_, Result<String>>;
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

/// Signs by asking a [`SignatureSource`] (typically the app's server) for each signature.
///
/// The device knows the AccessKeyId (and STS token, if any) but never the secret.
#[derive(Debug)]
pub struct RemoteSigner {
    access_key_id: String,
    security_token: Option<String>,
    version: SignatureVersion,
    region: String,
    source: Arc<dyn SignatureSource>,
}

impl RemoteSigner {
    /// A remote signer for the identity `access_key_id` (+ token) whose signatures come from `source`.
    pub fn new(
        access_key_id: impl Into<String>,
        security_token: Option<String>,
        version: SignatureVersion,
        region: impl Into<String>,
        source: Arc<dyn SignatureSource>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            security_token,
            version,
            region: region.into(),
            source,
        }
    }
}

impl Signer for RemoteSigner {
    fn sign_headers(
        &self,
        mut request: RequestToSign,
        time: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<RequestToSign>> {
        Box::pin(async move {
            let token = self.security_token.as_deref();
            let authorization = match self.version {
                SignatureVersion::V1 => {
                    let sts = v1::prepare_header_signing(&mut request, token, time, &[]);
                    let input = SigningInput {
                        version: self.version,
                        string_to_sign: sts,
                        date: time.format("%Y%m%d").to_string(),
                        region: self.region.clone(),
                        request: request.clone(),
                    };
                    let sig = self.source.signature(input).await?;
                    format!("OSS {}:{sig}", self.access_key_id)
                }
                SignatureVersion::V4 => {
                    let prepared =
                        v4::prepare_header_signing(&mut request, token, &self.region, time, &[]);
                    let input = SigningInput {
                        version: self.version,
                        string_to_sign: prepared.string_to_sign.clone(),
                        date: prepared.date.clone(),
                        region: self.region.clone(),
                        request: request.clone(),
                    };
                    let sig = self.source.signature(input).await?;
                    v4::authorization(&self.access_key_id, &prepared, &sig)
                }
            };
            request.set_header("Authorization", authorization);
            Ok(request)
        })
    }

    fn presign(
        &self,
        _request: RequestToSign,
        _time: DateTime<Utc>,
        _expires_in: u64,
    ) -> BoxFuture<'_, Result<QuerySignature>> {
        Box::pin(async move {
            Err(Error::InvalidArgument(
                "presigned URLs need credentials on the device; with a remote signer, ask the \
                 app server for the URL instead"
                    .into(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credentials, StaticProvider};

    #[derive(Debug)]
    struct ServerSide(String);

    impl SignatureSource for ServerSide {
        fn signature(&self, input: SigningInput) -> BoxFuture<'_, Result<String>> {
            Box::pin(async move {
                Ok(match input.version {
                    SignatureVersion::V1 => v1::signature(&self.0, &input.string_to_sign),
                    SignatureVersion::V4 => v4::signature(
                        &v4::signing_key(&self.0, &input.date, &input.region),
                        &input.string_to_sign,
                    ),
                })
            })
        }
    }

    #[tokio::test]
    async fn remote_signature_equals_local() {
        let time = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let creds = Credentials::sts("STS.ak", "secret", "tok", None);
        for version in [SignatureVersion::V1, SignatureVersion::V4] {
            let local = CredentialsSigner::new(
                Arc::new(StaticProvider::new(creds.clone())),
                version,
                "cn-hangzhou",
                vec![],
            );
            let remote = RemoteSigner::new(
                "STS.ak",
                Some("tok".into()),
                version,
                "cn-hangzhou",
                Arc::new(ServerSide("secret".into())),
            );
            let mut req = RequestToSign::new("PUT", Some("b"), Some("k k"));
            req.set_header("Content-Type", "text/plain");
            let a = local.sign_headers(req.clone(), time).await.unwrap();
            let b = remote.sign_headers(req, time).await.unwrap();
            assert_eq!(a.header("authorization"), b.header("authorization"));
        }
    }

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
