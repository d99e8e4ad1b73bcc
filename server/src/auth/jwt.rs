//! JWT bearer tokens: HS256 (shared secret) and RS256 (PEM public key).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::config::{ConfigError, JwtConfig};

/// The shortest HS256 secret accepted (256 bits).
pub(crate) const MIN_HS256_SECRET_BYTES: usize = 32;

#[derive(Deserialize)]
struct Claims {
    /// Optional here so that a missing `sub` is reported as such by the validation.
    #[serde(default)]
    sub: Option<String>,
}

/// Verifies JWTs against the configured keys, issuer and audience.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    rs256: Option<DecodingKey>,
    issuer: String,
    audience: String,
    leeway: u64,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs256.is_some())
            .field("rs256", &self.rs256.is_some())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

fn read(path: &std::path::Path, field: &str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path)
        .map_err(|e| ConfigError::single(format!("auth.jwt.{field} {}: {e}", path.display())))
}

fn hs256_key(config: &JwtConfig) -> Result<Option<DecodingKey>, ConfigError> {
    let secret: Vec<u8> = match (&config.hs256_secret, &config.hs256_secret_file) {
        (Some(s), _) => s.expose_secret().as_bytes().to_vec(),
        (None, Some(path)) => {
            let bytes = read(path, "hs256_secret_file")?;
            bytes.trim_ascii().to_vec()
        }
        (None, None) => return Ok(None),
    };
    if secret.len() < MIN_HS256_SECRET_BYTES {
        return Err(ConfigError::single(format!(
            "auth.jwt: the HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
        )));
    }
    Ok(Some(DecodingKey::from_secret(&secret)))
}

fn rs256_key(config: &JwtConfig) -> Result<Option<DecodingKey>, ConfigError> {
    let (pem, field) = match (&config.rs256_public_key_pem, &config.rs256_public_key_file) {
        (Some(text), _) => (text.as_bytes().to_vec(), "rs256_public_key_pem"),
        (None, Some(path)) => (
            read(path, "rs256_public_key_file")?,
            "rs256_public_key_file",
        ),
        (None, None) => return Ok(None),
    };
    DecodingKey::from_rsa_pem(&pem).map(Some).map_err(|e| {
        ConfigError::single(format!(
            "auth.jwt.{field}: expected a PEM RSA public key (PUBLIC KEY or RSA PUBLIC KEY): {e}"
        ))
    })
}

/// Whether a bearer value has the shape of a JWT (three dot-separated parts).
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

impl JwtVerifier {
    /// Loads the keys named by `config`.
    pub fn new(config: &JwtConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            hs256: hs256_key(config)?,
            rs256: rs256_key(config)?,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: config.leeway_seconds,
        })
    }

    /// The `sub` of a valid token, or why the token is refused (safe to show the caller).
    pub fn verify(&self, token: &str) -> Result<String, String> {
        let header = decode_header(token).map_err(|_| "the JWT is malformed".to_owned())?;
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.as_ref(),
            Algorithm::RS256 => self.rs256.as_ref(),
            _ => None,
        }
        .ok_or_else(|| format!("the JWT algorithm {:?} is not accepted", header.alg))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        let data = decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => "the JWT has expired".to_owned(),
            ErrorKind::ImmatureSignature => "the JWT is not valid yet (nbf)".to_owned(),
            ErrorKind::InvalidAudience => "the JWT's aud is not accepted".to_owned(),
            ErrorKind::InvalidIssuer => "the JWT's iss is not accepted".to_owned(),
            ErrorKind::InvalidSignature => "the JWT's signature does not verify".to_owned(),
            ErrorKind::MissingRequiredClaim(c) => format!("the JWT lacks the {c} claim"),
            _ => "the JWT is malformed".to_owned(),
        })?;
        data.claims
            .sub
            .ok_or_else(|| "the JWT lacks the sub claim".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(&JwtConfig {
            issuer: "https://issuer".into(),
            audience: "ossdirect".into(),
            leeway_seconds: 0,
            hs256_secret: Some(SECRET.to_owned().into()),
            ..JwtConfig::default()
        })
        .unwrap()
    }

    fn token(claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_valid_token_gives_its_subject() {
        let t = token(
            json!({"sub": "alice", "iss": "https://issuer", "aud": "ossdirect", "exp": now() + 60}),
        );
        assert!(looks_like_jwt(&t));
        assert_eq!(verifier().verify(&t).unwrap(), "alice");
        let aud_list = token(
            json!({"sub": "alice", "iss": "https://issuer", "aud": ["x", "ossdirect"], "exp": now() + 60}),
        );
        assert_eq!(verifier().verify(&aud_list).unwrap(), "alice");
    }

    #[test]
    fn bad_tokens_say_why() {
        let v = verifier();
        let claims = |extra: serde_json::Value| {
            let mut c = json!({"sub": "alice", "iss": "https://issuer", "aud": "ossdirect", "exp": now() + 60});
            c.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            token(c)
        };
        let why = |t: String| v.verify(&t).unwrap_err();
        assert!(why(claims(json!({"exp": now() - 10}))).contains("expired"));
        assert!(why(claims(json!({"nbf": now() + 600}))).contains("not valid yet"));
        assert!(why(claims(json!({"aud": "other"}))).contains("aud"));
        assert!(why(claims(json!({"iss": "other"}))).contains("iss"));
        let no_sub = token(json!({"iss": "https://issuer", "aud": "ossdirect", "exp": now() + 60}));
        assert!(why(no_sub).contains("sub"));
        let genuine = claims(json!({}));
        let parts: Vec<&str> = genuine.split('.').collect();
        let forged = token(
            json!({"sub": "mallory", "iss": "https://issuer", "aud": "ossdirect", "exp": now() + 60}),
        );
        let forged_payload = forged.split('.').nth(1).unwrap();
        let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(why(tampered).contains("signature"));
        assert!(why("a.b.c".into()).contains("malformed"));
        let rs = encode(
            &Header::new(Algorithm::HS384),
            &json!({"sub": "a"}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(why(rs).contains("not accepted"));
    }

    #[test]
    fn short_secrets_are_refused() {
        let err = JwtVerifier::new(&JwtConfig {
            hs256_secret: Some("short".to_owned().into()),
            ..JwtConfig::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"));
    }
}
