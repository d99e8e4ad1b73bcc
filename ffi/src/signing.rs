//! Remote signing by the app's own code: the foreign trait and its adapter to core's
//! [`SignatureSource`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use ossdirect::signer::{RemoteSignature, SignatureSource, SigningInput};

use crate::config::SignatureVersion;
use crate::error::OssError;
use crate::runtime::call_app;

/// What the app's signer is handed: the string to sign and the request it describes, so it can
/// check the request against its policy before signing.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SigningRequest {
    /// V1 or V4.
    pub version: SignatureVersion,
    /// The exact string to sign.
    pub string_to_sign: String,
    /// `yyyymmdd` of the signing time (V4 keys depend on it).
    pub date: String,
    /// The region (V4 keys depend on it).
    pub region: String,
    /// HTTP method.
    pub method: String,
    /// Bucket, if any.
    pub bucket: Option<String>,
    /// Object key, if any.
    pub key: Option<String>,
    /// Headers being signed.
    pub headers: HashMap<String, String>,
    /// Query parameters (`None`: a valueless one such as `?uploads`).
    pub query: HashMap<String, Option<String>>,
}

/// What the app's signer answers.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SigningResult {
    /// V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256 under the derived key.
    pub signature: String,
    /// The AccessKeyId the signature was made with.
    pub access_key_id: String,
    /// The STS token the signature covers, if any.
    pub security_token: Option<String>,
}

impl std::fmt::Debug for SigningResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningResult")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The app's signer (e.g. a call to its own server). A throw, a hang past the timeout or a
/// panic becomes [`OssError::Signing`].
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait SignatureProvider: Send + Sync {
    /// Signs `request.string_to_sign`.
    async fn sign(&self, request: SigningRequest) -> Result<SigningResult, OssError>;
}

/// Core's signature source over the app's signer.
pub(crate) struct ForeignSignatureSource {
    signer: Arc<dyn SignatureProvider>,
    timeout: Duration,
}

impl ForeignSignatureSource {
    pub(crate) fn new(signer: Arc<dyn SignatureProvider>, timeout: Duration) -> Self {
        Self { signer, timeout }
    }
}

impl std::fmt::Debug for ForeignSignatureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignSignatureSource")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SignatureSource for ForeignSignatureSource {
    fn signature(&self, input: SigningInput) -> BoxFuture<'_, ossdirect::Result<RemoteSignature>> {
        let request = SigningRequest {
            version: input.version.into(),
            string_to_sign: input.string_to_sign,
            date: input.date,
            region: input.region,
            method: input.request.method,
            bucket: input.request.bucket,
            key: input.request.key,
            headers: input.request.headers.into_iter().collect(),
            query: input.request.query.into_iter().collect(),
        };
        Box::pin(async move {
            let r = call_app("the app's signer", self.timeout, self.signer.sign(request))
                .await
                .map_err(ossdirect::Error::Signing)?;
            Ok(RemoteSignature {
                signature: r.signature,
                access_key_id: r.access_key_id,
                security_token: r.security_token,
            })
        })
    }
}
