//! JWT bearer tokens: HS256 (shared secret) and RS256 (PEM public key).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;

use crate::config::{ConfigError, JwtConfig};

/// The shortest HS256 secret accepted (256 bits).
pub(crate) const MIN_HS256_SECRET_BYTES: usize = 32;

/// The claims checked here beyond what `jsonwebtoken` validates. `iss`, `nbf`, `iat` and `exp`
/// are kept raw: the library accepts an `iss` array and ignores an `nbf` that is not a number.
#[derive(Deserialize)]
struct Claims {
    /// Optional here so that a missing `sub` is reported as such by the validation.
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    iss: Option<Value>,
    #[serde(default)]
    nbf: Option<Value>,
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
}

/// A NumericDate (seconds since the epoch, possibly fractional), if `value` is one.
fn numeric_date(value: &Value) -> Option<f64> {
    value.as_f64().filter(|v| v.is_finite() && *v >= 0.0)
}

impl Claims {
    /// The checks `jsonwebtoken` leaves out: one `iss` string, a numeric `nbf` when present,
    /// and a lifetime of at most `max_lifetime` seconds (from `iat`, and from now).
    fn check(&self, max_lifetime: u64, now: f64) -> Result<(), String> {
        if !matches!(self.iss, Some(Value::String(_))) {
            return Err("the JWT's iss must be a single string".to_owned());
        }
        if let Some(nbf) = &self.nbf {
            numeric_date(nbf).ok_or("the JWT's nbf is not a NumericDate")?;
        }
        let exp = self
            .exp
            .as_ref()
            .and_then(numeric_date)
            .ok_or("the JWT's exp is not a NumericDate")?;
        let max = max_lifetime as f64;
        let issued = match &self.iat {
            Some(iat) => numeric_date(iat).ok_or("the JWT's iat is not a NumericDate")?,
            None => now,
        };
        if exp - issued > max || exp - now > max {
            return Err(format!(
                "the JWT lives longer than the accepted {max_lifetime} seconds (exp - iat)"
            ));
        }
        Ok(())
    }
}

/// Verifies JWTs against the configured keys, issuer and audience.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    rs256: Option<DecodingKey>,
    issuer: String,
    audience: String,
    leeway: u64,
    max_lifetime: u64,
    user_prefix: String,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs256.is_some())
            .field("rs256", &self.rs256.is_some())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_lifetime", &self.max_lifetime)
            .field("user_prefix", &self.user_prefix)
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
            max_lifetime: config.max_lifetime_seconds,
            user_prefix: config.user_prefix.clone(),
        })
    }

    /// The user id of a valid token — `user_prefix` and its `sub`, so that no subject can name a
    /// static-token user — or why the token is refused (safe to show the caller). An empty
    /// `sub` is returned empty, for the user id check to refuse.
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
        let now = chrono::Utc::now().timestamp() as f64;
        data.claims.check(self.max_lifetime, now)?;
        let sub = data
            .claims
            .sub
            .ok_or_else(|| "the JWT lacks the sub claim".to_owned())?;
        if sub.is_empty() {
            return Ok(sub);
        }
        Ok(format!("{}{sub}", self.user_prefix))
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
            max_lifetime_seconds: 3600,
            user_prefix: "jwt:".into(),
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
        assert_eq!(verifier().verify(&t).unwrap(), "jwt:alice");
        let aud_list = token(
            json!({"sub": "alice", "iss": "https://issuer", "aud": ["x", "ossdirect"], "exp": now() + 60}),
        );
        assert_eq!(verifier().verify(&aud_list).unwrap(), "jwt:alice");
    }

    #[test]
    fn iss_arrays_string_dates_and_long_lives_are_refused() {
        let v = verifier();
        let base =
            json!({"sub": "alice", "iss": "https://issuer", "aud": "ossdirect", "exp": now() + 60});
        let with = |extra: serde_json::Value| {
            let mut c = base.clone();
            c.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v.verify(&token(c))
        };
        let why = |extra| with(extra).unwrap_err();
        assert!(why(json!({"iss": ["https://issuer"]})).contains("single string"));
        assert!(why(json!({"iss": ["x", "https://issuer"]})).contains("single string"));
        assert!(why(json!({"nbf": (now() + 600).to_string()})).contains("nbf"));
        assert!(why(json!({"nbf": "yesterday"})).contains("nbf"));
        assert!(why(json!({"exp": now() + 7200})).contains("longer than"));
        assert!(why(json!({"iat": now() - 7200, "exp": now() + 60})).contains("longer than"));
        assert!(why(json!({"iat": "now"})).contains("iat"));
        // Numeric dates in the past and fractional ones are fine.
        assert_eq!(
            with(json!({"nbf": now() - 10, "iat": (now() - 10) as f64 + 0.5})).unwrap(),
            "jwt:alice"
        );
        // An empty subject stays empty (refused as a user id later), never the bare prefix.
        assert_eq!(with(json!({"sub": ""})).unwrap(), "");
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
