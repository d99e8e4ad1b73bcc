//! The optional TOML config file: extra buckets, users and roles.
//!
//! ```toml
//! buckets = ["photos", "logs"]
//!
//! [[users]]
//! name = "alice"
//! access_key_id = "LTAIalice0000000000000"
//! access_key_secret = "alice-secret"
//! policy = '''{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}'''
//!
//! [[roles]]
//! name = "uploader"
//! max_session_duration = 7200
//! trusted_users = ["alice"]
//! policy = '''{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:photos/*"}]}'''
//! ```

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::state::{RoleRecord, UserRecord};
use crate::error::EmulatorError;

/// The parsed config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub(crate) buckets: Vec<String>,
    #[serde(default)]
    pub(crate) users: Vec<ConfigUser>,
    #[serde(default)]
    pub(crate) roles: Vec<ConfigRole>,
}

/// A `[[users]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigUser {
    name: String,
    access_key_id: String,
    access_key_secret: String,
    #[serde(default)]
    policy: Option<String>,
}

/// A `[[roles]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigRole {
    name: String,
    #[serde(default = "default_max_session_duration")]
    max_session_duration: u64,
    #[serde(default)]
    trusted_users: Option<Vec<String>>,
    policy: String,
}

fn default_max_session_duration() -> u64 {
    3600
}

fn parse_policy(owner: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{owner}: policy is not valid JSON: {e}"))
}

impl ConfigFile {
    /// Reads and parses the file.
    pub(crate) async fn load(path: &Path) -> Result<Self, EmulatorError> {
        let error = |message: String| EmulatorError::Config {
            path: path.to_owned(),
            message,
        };
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| error(e.to_string()))?;
        toml::from_str(&text).map_err(|e| error(e.to_string()))
    }

    /// The declared users as records.
    pub(crate) fn user_records(&self) -> Result<Vec<UserRecord>, String> {
        self.users
            .iter()
            .map(|u| {
                let owner = format!("user '{}'", u.name);
                Ok(UserRecord {
                    name: u.name.clone(),
                    access_key_id: u.access_key_id.clone(),
                    access_key_secret: u.access_key_secret.clone(),
                    policy: u
                        .policy
                        .as_deref()
                        .map(|p| parse_policy(&owner, p))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The declared roles as records.
    pub(crate) fn role_records(&self) -> Result<Vec<RoleRecord>, String> {
        self.roles
            .iter()
            .map(|r| {
                let owner = format!("role '{}'", r.name);
                Ok(RoleRecord {
                    name: r.name.clone(),
                    max_session_duration: r.max_session_duration,
                    trusted_users: r.trusted_users.clone(),
                    policy: parse_policy(&owner, &r.policy)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() {
        let text = r#"
            buckets = ["photos"]
            [[users]]
            name = "alice"
            access_key_id = "LTAIalice"
            access_key_secret = "s"
            policy = '{"Version":"1","Statement":[]}'
            [[roles]]
            name = "uploader"
            trusted_users = ["alice"]
            policy = '{"Version":"1","Statement":[]}'
        "#;
        let config: ConfigFile = toml::from_str(text).unwrap();
        assert_eq!(config.buckets, ["photos"]);
        assert!(config.user_records().unwrap()[0].policy.is_some());
        assert_eq!(config.role_records().unwrap()[0].max_session_duration, 3600);
        assert!(toml::from_str::<ConfigFile>("colour = 1").is_err());
    }
}
