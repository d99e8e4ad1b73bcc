//! The RAM user's AccessKey the server calls STS with, read from the environment only.

use ossdirect::Credentials;

use crate::error::ServerError;

/// The AccessKeyId variable.
pub const ACCESS_KEY_ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The AccessKeySecret variable.
pub const ACCESS_KEY_SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The optional security token variable (when the caller itself holds STS credentials).
pub const SECURITY_TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// Reads the caller's credentials from `ALIBABA_CLOUD_ACCESS_KEY_ID`,
/// `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and (optional) `ALIBABA_CLOUD_SECURITY_TOKEN`.
pub fn caller_credentials_from_env() -> Result<Credentials, ServerError> {
    let vars: Vec<(String, String)> = std::env::vars().collect();
    caller_credentials_from(&vars)
}

/// As [`caller_credentials_from_env`], with the environment given as name/value pairs.
pub fn caller_credentials_from(vars: &[(String, String)]) -> Result<Credentials, ServerError> {
    let get = |name: &str| {
        vars.iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let missing = |name: &str| {
        ServerError::Credentials(format!(
            "{name} is not set (the RAM user's AccessKey is read from the environment only)"
        ))
    };
    let id = get(ACCESS_KEY_ID_VAR).ok_or_else(|| missing(ACCESS_KEY_ID_VAR))?;
    let secret = get(ACCESS_KEY_SECRET_VAR).ok_or_else(|| missing(ACCESS_KEY_SECRET_VAR))?;
    Ok(Credentials::new(id, secret).with_security_token(get(SECURITY_TOKEN_VAR)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_variables_are_required() {
        let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = caller_credentials_from(&vars(&[
            (ACCESS_KEY_ID_VAR, "LTAI"),
            (ACCESS_KEY_SECRET_VAR, "secret"),
        ]))
        .unwrap();
        assert_eq!((ok.access_key_id(), ok.security_token()), ("LTAI", None));
        let err = caller_credentials_from(&vars(&[(ACCESS_KEY_ID_VAR, "LTAI")])).unwrap_err();
        assert!(err.to_string().contains(ACCESS_KEY_SECRET_VAR), "{err}");
    }
}
