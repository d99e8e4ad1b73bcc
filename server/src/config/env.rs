//! Environment variables that override fields of the configuration file.

use secrecy::SecretString;

use super::{ConfigError, ServerConfig};

/// The kind of value a variable holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Text, taken as is.
    Text,
    /// An unsigned integer.
    Integer,
    /// A number, possibly fractional.
    Float,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    Bool,
}

/// Every supported override: variable name, the field it sets (`section.field`) and its kind.
pub const ENV_OVERRIDES: &[(&str, &str, ValueKind)] = &[
    ("OSSDIRECT_LISTEN", "listen", ValueKind::Text),
    ("OSSDIRECT_STS_ENDPOINT", "sts.endpoint", ValueKind::Text),
    ("OSSDIRECT_STS_REGION", "sts.region", ValueKind::Text),
    ("OSSDIRECT_ROLE_ARN", "sts.role_arn", ValueKind::Text),
    (
        "OSSDIRECT_STS_DURATION_SECONDS",
        "sts.duration_seconds",
        ValueKind::Integer,
    ),
    ("OSSDIRECT_EXTERNAL_ID", "sts.external_id", ValueKind::Text),
    ("OSSDIRECT_BUCKET", "policy.bucket", ValueKind::Text),
    ("OSSDIRECT_PREFIX", "policy.prefix", ValueKind::Text),
    ("OSSDIRECT_TOKENS_FILE", "auth.tokens_file", ValueKind::Text),
    ("OSSDIRECT_JWT_ISSUER", "auth.jwt.issuer", ValueKind::Text),
    (
        "OSSDIRECT_JWT_AUDIENCE",
        "auth.jwt.audience",
        ValueKind::Text,
    ),
    (
        "OSSDIRECT_JWT_RS256_PUBLIC_KEY_FILE",
        "auth.jwt.rs256_public_key_file",
        ValueKind::Text,
    ),
    (
        "OSSDIRECT_CACHE_REFRESH_MARGIN_SECONDS",
        "cache.refresh_margin_seconds",
        ValueKind::Integer,
    ),
    (
        "OSSDIRECT_HEADER_READ_TIMEOUT_SECONDS",
        "connections.header_read_timeout_seconds",
        ValueKind::Integer,
    ),
    (
        "OSSDIRECT_MAX_CONNECTIONS",
        "connections.max_connections",
        ValueKind::Integer,
    ),
    (
        "OSSDIRECT_RATE_LIMIT_BURST",
        "rate_limit.burst",
        ValueKind::Integer,
    ),
    (
        "OSSDIRECT_RATE_LIMIT_PER_SECOND",
        "rate_limit.per_second",
        ValueKind::Float,
    ),
    (
        "OSSDIRECT_SIGNING_ENABLED",
        "signing.enabled",
        ValueKind::Bool,
    ),
    (
        "OSSDIRECT_SIGNING_REGION",
        "signing.region",
        ValueKind::Text,
    ),
];

/// The variable holding the JWT HS256 secret (never read from the TOML file).
pub const JWT_SECRET_VAR: &str = "OSSDIRECT_JWT_HS256_SECRET";

fn parse(name: &str, raw: &str, kind: ValueKind) -> Result<toml::Value, String> {
    let bad = |what: &str| format!("{name}: expected {what}, got {raw:?}");
    Ok(match kind {
        ValueKind::Text => toml::Value::String(raw.to_owned()),
        ValueKind::Integer => {
            toml::Value::Integer(raw.trim().parse().map_err(|_| bad("an integer"))?)
        }
        ValueKind::Float => toml::Value::Float(raw.trim().parse().map_err(|_| bad("a number"))?),
        ValueKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => toml::Value::Boolean(true),
            "false" | "0" | "no" => toml::Value::Boolean(false),
            _ => return Err(bad("true or false")),
        },
    })
}

fn set(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else {
        return Ok(());
    };
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("{part} is not a table"))?;
    }
    current.insert(last.to_owned(), value);
    Ok(())
}

/// Applies the overrides present in `vars` to the parsed file.
pub(super) fn apply(table: &mut toml::Table, vars: &[(String, String)]) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    for (name, path, kind) in ENV_OVERRIDES {
        let Some((_, raw)) = vars.iter().find(|(k, _)| k == name) else {
            continue;
        };
        if let Err(e) = parse(name, raw, *kind).and_then(|v| set(table, path, v)) {
            problems.push(e);
        }
    }
    ConfigError::from_problems(problems)
}

/// Sets the secrets that only the environment may supply.
pub(super) fn apply_secrets(
    config: &mut ServerConfig,
    vars: &[(String, String)],
) -> Result<(), ConfigError> {
    let Some((_, secret)) = vars
        .iter()
        .find(|(k, v)| k == JWT_SECRET_VAR && !v.is_empty())
    else {
        return Ok(());
    };
    let jwt = config.auth.jwt.as_mut().ok_or_else(|| {
        ConfigError::single(format!(
            "{JWT_SECRET_VAR} is set but [auth.jwt] is not configured (issuer, audience)"
        ))
    })?;
    jwt.hs256_secret = Some(SecretString::from(secret.clone()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_and_nested() {
        let mut table = toml::Table::new();
        let vars = [
            ("OSSDIRECT_JWT_ISSUER", "https://issuer"),
            ("OSSDIRECT_RATE_LIMIT_PER_SECOND", "2.5"),
            ("OSSDIRECT_SIGNING_ENABLED", "yes"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        apply(&mut table, &vars).unwrap();
        assert_eq!(
            table["auth"]["jwt"]["issuer"].as_str(),
            Some("https://issuer")
        );
        assert_eq!(table["rate_limit"]["per_second"].as_float(), Some(2.5));
        assert_eq!(table["signing"]["enabled"].as_bool(), Some(true));
    }

    #[test]
    fn the_jwt_secret_needs_a_jwt_section() {
        let mut config = ServerConfig::new("http://127.0.0.1:1", "acs:ram::1:role/r", "bucket");
        let vars = [(JWT_SECRET_VAR.to_owned(), "s".repeat(32))];
        let err = apply_secrets(&mut config, &vars).unwrap_err().to_string();
        assert!(err.contains("[auth.jwt] is not configured"), "{err}");
        config.auth.jwt = Some(crate::config::JwtConfig::default());
        apply_secrets(&mut config, &vars).unwrap();
        assert!(config.auth.jwt.unwrap().hs256_secret.is_some());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let mut table = toml::Table::new();
        let vars = [("OSSDIRECT_STS_DURATION_SECONDS".to_owned(), "1h".to_owned())];
        let err = apply(&mut table, &vars).unwrap_err().to_string();
        assert!(
            err.contains("OSSDIRECT_STS_DURATION_SECONDS: expected an integer"),
            "{err}"
        );
    }
}
