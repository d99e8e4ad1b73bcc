//! Remote signing: the app's server computes each signature, so the device never holds a secret
//! (the "self-signed mode" of the official mobile SDKs).
//!
//! The SDK prepares the request (date headers, the security token it last heard of) and hands
//! the string to sign together with the request it describes to a [`SignatureSource`]. The
//! source answers with the signature and the identity it signed as; if the server's STS token
//! rotated meanwhile, the server signed with the new token, and the SDK sends that one.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::Signer;
use crate::error::{Error, Result};
use crate::sign::{v1, v4, QuerySignature, RequestToSign, SignatureVersion};

/// What a remote signer is handed: the string to sign and the request it describes. `Debug`
/// redacts the security token (also inside the string to sign) and signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningInput {
    /// V1 or V4.
    pub version: SignatureVersion,
    /// The exact string to sign.
    pub string_to_sign: String,
    /// `yyyymmdd` of the signing time (V4 signing keys depend on it).
    pub date: String,
    /// The region (V4 signing keys depend on it).
    pub region: String,
    /// The request being signed (with its date and token headers), so the signer can check it
    /// against a policy and recompute the string to sign itself.
    pub request: RequestToSign,
}

/// What a [`SignatureSource`] answers.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteSignature {
    /// V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256 under the derived signing key.
    pub signature: String,
    /// The AccessKeyId the signature was made with.
    pub access_key_id: String,
    /// The STS token the signature covers (sent as `x-oss-security-token`), if any.
    pub security_token: Option<String>,
}

impl std::fmt::Debug for SigningInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secrets = self.request.secret_values();
        f.debug_struct("SigningInput")
            .field("version", &self.version)
            .field(
                "string_to_sign",
                &crate::sign::redact::text(&self.string_to_sign, &secrets),
            )
            .field("date", &self.date)
            .field("region", &self.region)
            .field("request", &self.request)
            .finish()
    }
}

impl std::fmt::Debug for RemoteSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSignature")
            .field("access_key_id", &self.access_key_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// The app-side half of remote signing (an HTTP call to the app server, or app code).
pub trait SignatureSource: Send + Sync + std::fmt::Debug {
    /// Signs `input.string_to_sign` (after whatever checks the source makes).
    fn signature(&self, input: SigningInput) -> BoxFuture<'_, Result<RemoteSignature>>;
}

/// Signs by asking a [`SignatureSource`] for each signature.
#[derive(Debug)]
pub struct RemoteSigner {
    version: SignatureVersion,
    region: String,
    source: Arc<dyn SignatureSource>,
    /// The security token last signed with (sent again until the source says otherwise).
    token: Mutex<Option<String>>,
}

impl RemoteSigner {
    /// A remote signer for `version` and `region` whose signatures come from `source`.
    pub fn new(
        version: SignatureVersion,
        region: impl Into<String>,
        source: Arc<dyn SignatureSource>,
    ) -> Self {
        Self {
            version,
            region: region.into(),
            source,
            token: Mutex::new(None),
        }
    }

    fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Signer for RemoteSigner {
    fn sign_headers(
        &self,
        mut request: RequestToSign,
        time: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<RequestToSign>> {
        Box::pin(async move {
            let token = self.token();
            let (string_to_sign, date, prepared_v4) = match self.version {
                SignatureVersion::V1 => {
                    let sts = v1::prepare_header_signing(&mut request, token.as_deref(), time, &[]);
                    (sts, time.format("%Y%m%d").to_string(), None)
                }
                SignatureVersion::V4 => {
                    let prepared = v4::prepare_header_signing(
                        &mut request,
                        token.as_deref(),
                        &self.region,
                        time,
                        &[],
                    );
                    (
                        prepared.string_to_sign.clone(),
                        prepared.date.clone(),
                        Some(prepared),
                    )
                }
            };
            let input = SigningInput {
                version: self.version,
                string_to_sign,
                date,
                region: self.region.clone(),
                request: request.clone(),
            };
            let answer = self.source.signature(input).await?;
            // The source signed with its current token: send that one.
            match &answer.security_token {
                Some(t) => request.set_header("x-oss-security-token", t.clone()),
                None => request
                    .headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("x-oss-security-token")),
            }
            *self.token.lock().unwrap_or_else(|p| p.into_inner()) = answer.security_token.clone();
            let authorization = match prepared_v4 {
                None => format!("OSS {}:{}", answer.access_key_id, answer.signature),
                Some(prepared) => {
                    v4::authorization(&answer.access_key_id, &prepared, &answer.signature)
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
    use crate::signer::CredentialsSigner;

    /// Signs like a server holding `credentials` would.
    #[derive(Debug)]
    struct ServerSide(Credentials);

    impl SignatureSource for ServerSide {
        fn signature(&self, input: SigningInput) -> BoxFuture<'_, Result<RemoteSignature>> {
            Box::pin(async move {
                let secret = self.0.access_key_secret();
                let signature = match input.version {
                    SignatureVersion::V1 => v1::signature(secret, &input.string_to_sign),
                    SignatureVersion::V4 => v4::signature(
                        &v4::signing_key(secret, &input.date, &input.region),
                        &input.string_to_sign,
                    ),
                };
                Ok(RemoteSignature {
                    signature,
                    access_key_id: self.0.access_key_id().to_owned(),
                    security_token: self.0.security_token().map(str::to_owned),
                })
            })
        }
    }

    #[tokio::test]
    async fn remote_signature_equals_local_once_the_token_is_known() {
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
            let remote =
                RemoteSigner::new(version, "cn-hangzhou", Arc::new(ServerSide(creds.clone())));
            let mut req = RequestToSign::new("PUT", Some("b"), Some("k k"));
            req.set_header("Content-Type", "text/plain");
            // The first request learns the token; from then on the strings are identical.
            remote.sign_headers(req.clone(), time).await.unwrap();
            let a = local.sign_headers(req.clone(), time).await.unwrap();
            let b = remote.sign_headers(req, time).await.unwrap();
            assert_eq!(
                a.header("authorization"),
                b.header("authorization"),
                "{version}"
            );
            assert_eq!(b.header("x-oss-security-token"), Some("tok"));
        }
    }
}
