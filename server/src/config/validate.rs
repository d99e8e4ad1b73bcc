//! Start-up validation of a [`ServerConfig`], with messages naming the field and what it expects.

use secrecy::ExposeSecret;

use super::{AuthConfig, JwtConfig, ServerConfig};
use crate::auth::MIN_HS256_SECRET_BYTES;
use crate::policy::PolicyTemplate;
use crate::user::UserId;

/// Everything wrong with a configuration, one problem per entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One message per problem, each starting with the field it is about.
    pub problems: Vec<String>,
}

impl ConfigError {
    /// An error with one problem.
    pub fn single(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    /// `Ok` when there are no problems.
    pub fn from_problems(problems: Vec<String>) -> Result<(), Self> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Self { problems })
        }
    }
}

/// The smallest and largest `DurationSeconds` STS accepts.
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 900..=43_200;

/// Whether `arn` is `acs:ram::<account digits>:role/<name>`.
fn is_role_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("acs:ram::") else {
        return false;
    };
    let Some((account, name)) = rest.split_once(":role/") else {
        return false;
    };
    !account.is_empty()
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Whether the URL's host is a loopback address (or `localhost`).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

fn check_sts(config: &ServerConfig, problems: &mut Vec<String>) {
    match config.sts_endpoint() {
        None => problems.push("sts: set endpoint (URL) or region".to_owned()),
        Some(endpoint) => match url::Url::parse(&endpoint) {
            Ok(u) if u.scheme() == "http" && !is_loopback(&u) && !config.sts.allow_insecure_http => {
                problems.push(format!(
                    "sts.endpoint: {endpoint:?} is plain http to a host that is not loopback: \
                     the vended credentials would cross the network in clear; use https (or set \
                     sts.allow_insecure_http = true, e.g. for a private test network)"
                ));
            }
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => problems.push(format!(
                "sts.endpoint: expected an http(s) URL such as https://sts.cn-hangzhou.aliyuncs.com, got {endpoint:?}"
            )),
        },
    }
    let sts = &config.sts;
    if !is_role_arn(&sts.role_arn) {
        problems.push(format!(
            "sts.role_arn: expected acs:ram::<account>:role/<name>, got {:?}",
            sts.role_arn
        ));
    }
    if !DURATION_RANGE.contains(&sts.duration_seconds) {
        problems.push(format!(
            "sts.duration_seconds: expected 900 to 43200, got {}",
            sts.duration_seconds
        ));
    }
    if !(1..=300).contains(&sts.timeout_seconds) {
        problems.push(format!(
            "sts.timeout_seconds: expected 1 to 300, got {}",
            sts.timeout_seconds
        ));
    }
    if let Some(id) = &sts.external_id {
        if !(2..=1224).contains(&id.len()) {
            problems.push("sts.external_id: expected 2 to 1224 characters".to_owned());
        }
    }
}

/// The largest `auth.jwt.leeway_seconds`.
const MAX_LEEWAY: u64 = 300;
/// The range of `auth.jwt.max_lifetime_seconds` (a minute to a week).
const LIFETIME_RANGE: std::ops::RangeInclusive<u64> = 60..=604_800;
/// The longest `auth.jwt.user_prefix`.
const MAX_USER_PREFIX_CHARS: usize = 16;

fn check_jwt(jwt: &JwtConfig, problems: &mut Vec<String>) {
    if jwt.leeway_seconds > MAX_LEEWAY {
        problems.push(format!(
            "auth.jwt.leeway_seconds: expected 0 to {MAX_LEEWAY}, got {}",
            jwt.leeway_seconds
        ));
    }
    if !LIFETIME_RANGE.contains(&jwt.max_lifetime_seconds) {
        problems.push(format!(
            "auth.jwt.max_lifetime_seconds: expected 60 to 604800, got {}",
            jwt.max_lifetime_seconds
        ));
    }
    let prefix = &jwt.user_prefix;
    if prefix.is_empty()
        || prefix.chars().count() > MAX_USER_PREFIX_CHARS
        || UserId::parse(prefix).is_err()
    {
        problems.push(format!(
            "auth.jwt.user_prefix: expected 1 to {MAX_USER_PREFIX_CHARS} characters allowed in a \
             user id (it keeps JWT subjects apart from static-token users), got {prefix:?}"
        ));
    }
    if jwt.issuer.trim().is_empty() {
        problems.push("auth.jwt.issuer: required (the accepted iss)".to_owned());
    }
    if jwt.audience.trim().is_empty() {
        problems.push("auth.jwt.audience: required (the accepted aud)".to_owned());
    }
    let hs256 = jwt.hs256_secret.is_some() || jwt.hs256_secret_file.is_some();
    let rs256 = jwt.rs256_public_key_file.is_some() || jwt.rs256_public_key_pem.is_some();
    if !hs256 && !rs256 {
        problems.push(
            "auth.jwt: no key: set OSSDIRECT_JWT_HS256_SECRET, hs256_secret_file, \
             rs256_public_key_file or rs256_public_key_pem"
                .to_owned(),
        );
    }
    if jwt.hs256_secret.is_some() && jwt.hs256_secret_file.is_some() {
        problems.push("auth.jwt: give the HS256 secret once (variable or file)".to_owned());
    }
    if jwt.rs256_public_key_file.is_some() && jwt.rs256_public_key_pem.is_some() {
        problems.push("auth.jwt: give the RS256 key once (file or PEM text)".to_owned());
    }
    if let Some(secret) = &jwt.hs256_secret {
        if secret.expose_secret().len() < MIN_HS256_SECRET_BYTES {
            problems.push(format!(
                "auth.jwt: the HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
            ));
        }
    }
}

fn check_auth(config: &ServerConfig, problems: &mut Vec<String>) {
    let auth: &AuthConfig = &config.auth;
    if auth.tokens_file.is_none()
        && auth.tokens.is_empty()
        && auth.jwt.is_none()
        && auth.allow_anonymous_user.is_none()
    {
        problems.push(
            "auth: no way to authenticate users: set auth.tokens_file, auth.tokens, auth.jwt \
             or auth.allow_anonymous_user"
                .to_owned(),
        );
    }
    if let Some(user) = &auth.allow_anonymous_user {
        if let Err(e) = UserId::parse(user) {
            problems.push(format!("auth.allow_anonymous_user: {e}"));
        }
        if !config.listen.ip().is_loopback() {
            problems.push(format!(
                "auth.allow_anonymous_user: only allowed on a loopback listen address, not {}",
                config.listen
            ));
        }
    }
    for (i, entry) in auth.tokens.iter().enumerate() {
        if let Err(e) = crate::auth::check_token_entry(entry) {
            problems.push(format!("auth.tokens[{i}]: {e}"));
        }
    }
    if let Some(jwt) = &auth.jwt {
        check_jwt(jwt, problems);
        check_namespaces(auth, &jwt.user_prefix, problems);
    }
}

/// Static-token and anonymous user ids may not look like JWT users' (`user_prefix` + `sub`).
/// (The tokens file is checked when it is loaded.)
fn check_namespaces(auth: &AuthConfig, prefix: &str, problems: &mut Vec<String>) {
    if prefix.is_empty() {
        return;
    }
    for (i, entry) in auth.tokens.iter().enumerate() {
        if entry.user.starts_with(prefix) {
            problems.push(format!(
                "auth.tokens[{i}]: user {:?} starts with auth.jwt.user_prefix {prefix:?}, \
                 which is kept for JWT subjects",
                entry.user
            ));
        }
    }
    if let Some(user) = auth.allow_anonymous_user.as_ref() {
        if user.starts_with(prefix) {
            problems.push(format!(
                "auth.allow_anonymous_user: {user:?} starts with auth.jwt.user_prefix \
                 {prefix:?}, which is kept for JWT subjects"
            ));
        }
    }
}

fn check_limits(config: &ServerConfig, problems: &mut Vec<String>) {
    let margin = config.cache.refresh_margin_seconds;
    if margin >= config.sts.duration_seconds {
        problems.push(format!(
            "cache.refresh_margin_seconds: must be less than sts.duration_seconds ({margin} >= {})",
            config.sts.duration_seconds
        ));
    }
    if config.cache.max_entries == 0 {
        problems.push("cache.max_entries: must be at least 1".to_owned());
    }
    let limit = &config.rate_limit;
    if limit.burst == 0 {
        problems.push("rate_limit.burst: must be at least 1".to_owned());
    }
    if !(limit.per_second.is_finite() && limit.per_second > 0.0 && limit.per_second <= 1e6) {
        problems.push(format!(
            "rate_limit.per_second: expected a number above 0, got {}",
            limit.per_second
        ));
    }
    let signing = &config.signing;
    if signing.enabled && signing.region.as_deref().is_none_or(str::is_empty) {
        problems.push(
            "signing.region: required when signing is enabled (the bucket's region)".to_owned(),
        );
    }
    if !(1..=3600).contains(&signing.max_skew_seconds) {
        problems.push(format!(
            "signing.max_skew_seconds: expected 1 to 3600, got {}",
            signing.max_skew_seconds
        ));
    }
}

/// Checks every field of `config`.
pub(super) fn validate(config: &ServerConfig) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    check_sts(config, &mut problems);
    if let Err(e) = PolicyTemplate::new(&config.policy) {
        problems.extend(e.problems);
    }
    check_auth(config, &mut problems);
    check_limits(config, &mut problems);
    problems.extend(
        config
            .connections
            .problems()
            .into_iter()
            .map(|p| format!("connections.{p}")),
    );
    ConfigError::from_problems(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TokenEntry;

    fn config() -> ServerConfig {
        let mut c = ServerConfig::new(
            "http://127.0.0.1:1",
            "acs:ram::1234567890123456:role/app-upload",
            "my-bucket",
        );
        c.auth
            .tokens
            .push(TokenEntry::new("alice", "0123456789abcdef01"));
        c
    }

    fn problems(c: &ServerConfig) -> String {
        c.validate().unwrap_err().to_string()
    }

    #[test]
    fn a_good_config_passes() {
        config().validate().unwrap();
    }

    #[test]
    fn role_arn_shape_is_explained() {
        let mut c = config();
        c.sts.role_arn = "arn:aws:iam::1:role/x".into();
        assert!(problems(&c).contains("sts.role_arn: expected acs:ram::<account>:role/<name>"));
        for good in ["acs:ram::1:role/a", "acs:ram::123:role/app.upload_1-x"] {
            assert!(is_role_arn(good), "{good}");
        }
        for bad in [
            "acs:ram:::role/a",
            "acs:ram::12a:role/a",
            "acs:ram::1:role/",
            "acs:ram::1:user/a",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut c = config();
        c.sts.duration_seconds = 100;
        c.sts.endpoint = Some("ftp://x".into());
        c.rate_limit.burst = 0;
        let text = problems(&c);
        for field in ["sts.duration_seconds", "sts.endpoint", "rate_limit.burst"] {
            assert!(text.contains(field), "{text}");
        }
        assert_eq!(c.validate().unwrap_err().problems.len(), 4, "{text}"); // + margin
    }

    #[test]
    fn plain_http_sts_needs_loopback_or_the_flag() {
        let mut c = config();
        for ok in [
            "http://127.0.0.1:1",
            "http://[::1]:1",
            "http://localhost:9",
            "https://sts.example.com",
        ] {
            c.sts.endpoint = Some(ok.into());
            c.validate().unwrap();
        }
        c.sts.endpoint = Some("http://sts.cn-hangzhou.aliyuncs.com".into());
        assert!(problems(&c).contains("plain http"));
        c.sts.endpoint = Some("http://10.0.0.5:8080".into());
        assert!(problems(&c).contains("plain http"));
        c.sts.allow_insecure_http = true;
        c.validate().unwrap();
    }

    #[test]
    fn anonymous_needs_loopback() {
        let mut c = config();
        c.auth.allow_anonymous_user = Some("demo".into());
        c.validate().unwrap();
        c.listen = "0.0.0.0:8080".parse().unwrap();
        assert!(problems(&c).contains("only allowed on a loopback listen address"));
    }

    #[test]
    fn some_authentication_is_required() {
        let mut c = config();
        c.auth.tokens.clear();
        assert!(problems(&c).contains("auth: no way to authenticate users"));
    }

    #[test]
    fn jwt_needs_issuer_audience_and_a_strong_key() {
        let mut c = config();
        c.auth.jwt = Some(JwtConfig {
            hs256_secret: Some("short".to_owned().into()),
            ..JwtConfig::default()
        });
        let text = problems(&c);
        for what in ["auth.jwt.issuer", "auth.jwt.audience", "at least 32 bytes"] {
            assert!(text.contains(what), "{text}");
        }
    }

    #[test]
    fn jwt_leeway_lifetime_and_prefix_are_bounded() {
        let mut c = config();
        c.auth.jwt = Some(JwtConfig {
            issuer: "https://issuer".into(),
            audience: "app".into(),
            leeway_seconds: 301,
            max_lifetime_seconds: 10,
            user_prefix: String::new(),
            hs256_secret: Some("0123456789abcdef0123456789abcdef".to_owned().into()),
            ..JwtConfig::default()
        });
        let text = problems(&c);
        for what in [
            "auth.jwt.leeway_seconds",
            "auth.jwt.max_lifetime_seconds",
            "auth.jwt.user_prefix",
        ] {
            assert!(text.contains(what), "{text}");
        }
        let jwt = c.auth.jwt.as_mut().unwrap();
        (jwt.leeway_seconds, jwt.max_lifetime_seconds) = (300, 3600);
        jwt.user_prefix = "jwt:".into();
        c.validate().unwrap();
        c.auth
            .tokens
            .push(TokenEntry::new("jwt:alice", "0123456789abcdef01"));
        assert!(problems(&c).contains("kept for JWT subjects"));
    }

    #[test]
    fn margin_must_leave_room() {
        let mut c = config();
        c.cache.refresh_margin_seconds = 3600;
        assert!(problems(&c).contains("cache.refresh_margin_seconds"));
    }

    #[test]
    fn signing_needs_a_region() {
        let mut c = config();
        c.signing.enabled = true;
        assert!(problems(&c).contains("signing.region"));
    }
}
