//! The server's configuration: a TOML file, then environment overrides, then validation.
//!
//! Secrets never come from the file: the RAM user's AccessKey is read from
//! `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (see
//! [`crate::caller_credentials_from_env`]) and the JWT HS256 secret from
//! `OSSDIRECT_JWT_HS256_SECRET` or a file named by `auth.jwt.hs256_secret_file`.

mod env;
mod validate;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

pub use env::ENV_OVERRIDES;
pub use ossdirect_serve::ConnectionLimits;
use secrecy::SecretString;
use serde::Deserialize;
pub use validate::ConfigError;

/// The whole configuration of a token vending server.
///
/// Deserialized from TOML (unknown fields are refused); every section but `sts` and `policy`
/// has defaults. Build one in code with [`ServerConfig::new`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (default `127.0.0.1:8080`; put a TLS proxy in front).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The STS `AssumeRole` call.
    pub sts: StsConfig,
    /// The per-user session policy.
    pub policy: PolicyConfig,
    /// How app users authenticate.
    #[serde(default)]
    pub auth: AuthConfig,
    /// The credentials cache.
    #[serde(default)]
    pub cache: CacheConfig,
    /// The per-user rate limit.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// The optional remote-signing endpoint `POST /sign`.
    #[serde(default)]
    pub signing: SigningConfig,
    /// Header-read (and keep-alive idle) timeout and the connection cap.
    #[serde(default)]
    pub connections: ConnectionLimits,
}

/// How STS `AssumeRole` is called.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StsConfig {
    /// STS endpoint URL, e.g. `https://sts.cn-hangzhou.aliyuncs.com`. Defaults to
    /// `https://sts.<region>.aliyuncs.com` when `region` is set.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The STS region (only used to derive `endpoint`).
    #[serde(default)]
    pub region: Option<String>,
    /// The role to assume: `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `DurationSeconds` of the credentials (900..=43200, default 3600; at most the role's
    /// maximum session duration).
    #[serde(default = "default_duration")]
    pub duration_seconds: u64,
    /// `ExternalId`, if the role's trust policy requires one.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Timeout of one STS call in seconds (default 10).
    #[serde(default = "default_sts_timeout")]
    pub timeout_seconds: u64,
    /// Allows an `http://` endpoint on a host that is not loopback (default false: the
    /// credentials STS answers with would cross the network in clear).
    #[serde(default)]
    pub allow_insecure_http: bool,
}

/// The session policy template: what each user may do, and where.
///
/// User `alice` gets `Allow` on the object `actions` for
/// `acs:oss:*:*:<bucket>/<prefix with alice>*`; with `oss:ListObjects`, also `Allow
/// oss:ListObjects` on `acs:oss:*:*:<bucket>` where `oss:Prefix` is like `<prefix with alice>*`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// The bucket users upload to.
    pub bucket: String,
    /// The object prefix of one user; must contain `${user}` followed by `/`
    /// (default `users/${user}/`).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// The OSS actions granted (default `oss:PutObject`, `oss:ListParts`,
    /// `oss:AbortMultipartUpload`; add `oss:GetObject` for downloads, `oss:DeleteObject` for
    /// deletes, `oss:ListObjects` for listings inside the user's prefix).
    #[serde(default = "default_actions")]
    pub actions: Vec<String>,
}

/// How app users authenticate. At least one way must be configured.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// A TOML or JSON file (by extension) listing static bearer tokens, see [`TokenEntry`].
    #[serde(default)]
    pub tokens_file: Option<PathBuf>,
    /// Static bearer tokens given inline (mainly for programs embedding the server).
    #[serde(default)]
    pub tokens: Vec<TokenEntry>,
    /// JWT bearer tokens.
    #[serde(default)]
    pub jwt: Option<JwtConfig>,
    /// Requests without credentials act as this user. Only allowed on a loopback listener;
    /// meant for local development.
    #[serde(default)]
    pub allow_anonymous_user: Option<String>,
}

/// One static bearer token and the user it stands for. Give `sha256` (hex SHA-256 of the token,
/// preferred: the file then holds no usable secret) or `token` (the token itself).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// The user id the token authenticates.
    pub user: String,
    /// The token in clear (at least 16 characters).
    #[serde(default)]
    pub token: Option<SecretString>,
    /// Lower- or upper-case hex SHA-256 of the token.
    #[serde(default)]
    pub sha256: Option<String>,
}

impl TokenEntry {
    /// An entry holding the token itself.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            token: Some(SecretString::from(token.into())),
            sha256: None,
        }
    }
}

/// JWT verification: HS256 with a shared secret and/or RS256 with a PEM public key; the
/// token's `alg` picks the key. `exp` is required, `nbf` (a number) checked when present, `aud`
/// must match (an array must contain it), `iss` must be the one string configured, and the
/// token may live at most `max_lifetime_seconds`. The user id is `user_prefix` + `sub`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// The accepted `iss`.
    pub issuer: String,
    /// The accepted `aud`.
    pub audience: String,
    /// Clock tolerance for `exp` and `nbf`, in seconds (default 30, at most 300).
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// The longest lifetime accepted: `exp` at most this many seconds after `iat` (when present)
    /// and after now (default 86400, at most 604800).
    #[serde(default = "default_max_lifetime")]
    pub max_lifetime_seconds: u64,
    /// Put before every JWT `sub` to make the user id (default `jwt:`), so that a subject can
    /// never be a static-token or anonymous user's id. Non-empty; static-token and anonymous
    /// user ids may not start with it.
    #[serde(default = "default_user_prefix")]
    pub user_prefix: String,
    /// The HS256 secret (at least 32 bytes). Not read from TOML: set it in code, with the
    /// environment variable `OSSDIRECT_JWT_HS256_SECRET`, or with `hs256_secret_file`.
    #[serde(skip)]
    pub hs256_secret: Option<SecretString>,
    /// A file holding the HS256 secret (surrounding whitespace is trimmed).
    #[serde(default)]
    pub hs256_secret_file: Option<PathBuf>,
    /// A PEM file with the RS256 public key (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    #[serde(default)]
    pub rs256_public_key_file: Option<PathBuf>,
    /// The RS256 public key as PEM text (instead of a file).
    #[serde(default)]
    pub rs256_public_key_pem: Option<String>,
}

impl Default for JwtConfig {
    /// No issuer, audience or key (set them); the documented defaults for the rest.
    fn default() -> Self {
        Self {
            issuer: String::new(),
            audience: String::new(),
            leeway_seconds: default_leeway(),
            max_lifetime_seconds: default_max_lifetime(),
            user_prefix: default_user_prefix(),
            hs256_secret: None,
            hs256_secret_file: None,
            rs256_public_key_file: None,
            rs256_public_key_pem: None,
        }
    }
}

/// The per-(user, policy) credentials cache.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Credentials are handed out only while they have more than this many seconds left
    /// (default 300, what the mobile SDKs use to refresh).
    #[serde(default = "default_margin")]
    pub refresh_margin_seconds: u64,
    /// How many users' credentials are kept at most (default 100000).
    #[serde(default = "default_max_users")]
    pub max_entries: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            refresh_margin_seconds: default_margin(),
            max_entries: default_max_users(),
        }
    }
}

/// A token bucket per user: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Whether requests are limited (default true).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Requests a user may make at once (default 200).
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Sustained requests per second per user (default 10).
    #[serde(default = "default_per_second")]
    pub per_second: f64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            burst: default_burst(),
            per_second: default_per_second(),
        }
    }
}

/// The remote-signing endpoint `POST /sign`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// Whether `POST /sign` is served (default false).
    #[serde(default)]
    pub enabled: bool,
    /// The bucket's region, which V4 signatures are scoped to (required when enabled).
    #[serde(default)]
    pub region: Option<String>,
    /// How far the signed request's date may be from the server's clock, in seconds
    /// (default 900, OSS's own window).
    #[serde(default = "default_skew")]
    pub max_skew_seconds: u64,
}

impl Default for SigningConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            region: None,
            max_skew_seconds: default_skew(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 8080))
}
fn default_duration() -> u64 {
    3600
}
fn default_sts_timeout() -> u64 {
    10
}
fn default_prefix() -> String {
    "users/${user}/".to_owned()
}
fn default_actions() -> Vec<String> {
    ["oss:PutObject", "oss:ListParts", "oss:AbortMultipartUpload"]
        .map(str::to_owned)
        .to_vec()
}
fn default_leeway() -> u64 {
    30
}
fn default_max_lifetime() -> u64 {
    86_400
}
fn default_user_prefix() -> String {
    "jwt:".to_owned()
}
fn default_margin() -> u64 {
    300
}
fn default_max_users() -> u64 {
    100_000
}
fn default_true() -> bool {
    true
}
fn default_burst() -> u32 {
    200
}
fn default_per_second() -> f64 {
    10.0
}
fn default_skew() -> u64 {
    900
}

impl ServerConfig {
    /// A configuration with every default: STS at `sts_endpoint`, assuming `role_arn`, for
    /// uploads to `bucket` under `users/${user}/`, listening on `127.0.0.1:0`, and no way to
    /// authenticate yet (add tokens, JWT or an anonymous user to `auth`).
    pub fn new(
        sts_endpoint: impl Into<String>,
        role_arn: impl Into<String>,
        bucket: impl Into<String>,
    ) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            sts: StsConfig {
                endpoint: Some(sts_endpoint.into()),
                region: None,
                role_arn: role_arn.into(),
                duration_seconds: default_duration(),
                external_id: None,
                timeout_seconds: default_sts_timeout(),
                allow_insecure_http: false,
            },
            policy: PolicyConfig {
                bucket: bucket.into(),
                prefix: default_prefix(),
                actions: default_actions(),
            },
            auth: AuthConfig::default(),
            cache: CacheConfig::default(),
            rate_limit: RateLimitConfig::default(),
            signing: SigningConfig::default(),
            connections: ConnectionLimits::default(),
        }
    }

    /// Parses TOML text (no environment overrides, no validation).
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::single(format!("TOML: {e}")))
    }

    /// Reads `path` (if given), applies the `OSSDIRECT_*` environment overrides of
    /// [`ENV_OVERRIDES`] and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, &vars)
    }

    /// As [`ServerConfig::load`], with the environment given as name/value pairs.
    pub fn load_with_env(
        path: Option<&Path>,
        vars: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| ConfigError::single(format!("{}: {e}", p.display())))?,
            None => String::new(),
        };
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| {
            let name = path.map(|p| p.display().to_string()).unwrap_or_default();
            ConfigError::single(format!("{name}: {e}"))
        })?;
        env::apply(&mut table, vars)?;
        let mut config: Self = table
            .try_into()
            .map_err(|e| ConfigError::single(format!("configuration: {e}")))?;
        env::apply_secrets(&mut config, vars)?;
        if let Some(dir) = path.and_then(Path::parent) {
            config.resolve_paths(dir);
        }
        config.validate()?;
        Ok(config)
    }

    /// Makes the relative file names in the configuration relative to `dir` (the directory of
    /// the configuration file).
    pub fn resolve_paths(&mut self, dir: &Path) {
        let resolve = |p: &mut Option<PathBuf>| {
            if let Some(path) = p.as_mut().filter(|p| p.is_relative()) {
                *path = dir.join(&*path);
            }
        };
        resolve(&mut self.auth.tokens_file);
        if let Some(jwt) = self.auth.jwt.as_mut() {
            resolve(&mut jwt.hs256_secret_file);
            resolve(&mut jwt.rs256_public_key_file);
        }
    }

    /// Checks every field, reporting all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }

    /// The STS endpoint URL (explicit, or derived from the region).
    pub fn sts_endpoint(&self) -> Option<String> {
        self.sts.endpoint.clone().or_else(|| {
            self.sts
                .region
                .as_ref()
                .map(|r| format!("https://sts.{r}.aliyuncs.com"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [sts]
        region = "cn-hangzhou"
        role_arn = "acs:ram::1234567890123456:role/app-upload"
        [policy]
        bucket = "my-bucket"
        [auth]
        tokens = [{ user = "alice", token = "0123456789abcdef0123" }]
    "#;

    #[test]
    fn defaults_fill_a_minimal_file() {
        let c = ServerConfig::from_toml_str(MINIMAL).unwrap();
        c.validate().unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            c.sts_endpoint().as_deref(),
            Some("https://sts.cn-hangzhou.aliyuncs.com")
        );
        assert_eq!(c.sts.duration_seconds, 3600);
        assert_eq!(c.policy.prefix, "users/${user}/");
        assert_eq!(c.policy.actions.len(), 3);
        assert_eq!(c.cache.refresh_margin_seconds, 300);
        assert_eq!((c.rate_limit.burst, c.rate_limit.per_second), (200, 10.0));
        assert!(!c.signing.enabled);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = ServerConfig::from_toml_str(&format!("{MINIMAL}\nbogus = 1")).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
    }

    #[test]
    fn debug_hides_tokens() {
        let c = ServerConfig::from_toml_str(MINIMAL).unwrap();
        assert!(!format!("{c:?}").contains("0123456789abcdef0123"));
    }

    #[test]
    fn relative_files_are_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        let text = MINIMAL.replace("[auth]", "[auth]\ntokens_file = \"tokens.toml\"");
        std::fs::write(&path, text).unwrap();
        let c = ServerConfig::load_with_env(Some(&path), &[]).unwrap();
        assert_eq!(c.auth.tokens_file, Some(dir.path().join("tokens.toml")));
    }

    /// The reference configuration in docs/server.md parses and validates.
    #[test]
    fn the_documented_configuration_is_valid() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/server.md"))
                .unwrap();
        let section = &doc[doc.find("## Configuration").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let block = &section[start..start + section[start..].find("```").unwrap()];
        let c = ServerConfig::from_toml_str(block).unwrap();
        c.validate().unwrap();
        assert_eq!(c.policy.bucket, "my-app-uploads");
        assert!(c.auth.jwt.is_some() && !c.signing.enabled);
    }

    #[test]
    fn load_applies_environment_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let vars = [
            ("OSSDIRECT_BUCKET", "other-bucket"),
            ("OSSDIRECT_STS_DURATION_SECONDS", "900"),
            ("OSSDIRECT_LISTEN", "0.0.0.0:9000"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let c = ServerConfig::load_with_env(Some(&path), &vars).unwrap();
        assert_eq!(c.policy.bucket, "other-bucket");
        assert!(c.auth.tokens_file.is_none());
        assert_eq!(c.sts.duration_seconds, 900);
        assert_eq!(c.listen.port(), 9000);
    }
}
