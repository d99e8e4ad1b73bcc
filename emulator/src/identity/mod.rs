//! Who exists: the account, its buckets, RAM users and roles, and the STS token key.

mod config;
mod state;
pub(crate) mod token;

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

pub(crate) use token::{SessionClaims, TokenError, TokenKey};

use crate::error::EmulatorError;
use crate::policy::Policy;
use config::ConfigFile;
use state::{PersistedState, RoleRecord, UserRecord};

/// A RAM user with long-lived AccessKeys.
#[derive(Debug)]
pub(crate) struct User {
    pub(crate) name: String,
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: String,
    pub(crate) policies: Vec<Policy>,
}

/// A RAM role that STS sessions assume.
#[derive(Debug)]
pub(crate) struct Role {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The numeric role id (the first half of `AssumedRoleId`).
    pub(crate) role_id: String,
    pub(crate) max_session_duration: u64,
    trusted_users: Option<Vec<String>>,
    pub(crate) policies: Vec<Policy>,
}

impl Role {
    /// Whether the role's trust policy lets `user` assume it.
    pub(crate) fn trusts(&self, user: &User) -> bool {
        self.trusted_users
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == &user.name))
    }
}

/// The identities of the emulated account.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) account_id: String,
    pub(crate) region: String,
    pub(crate) default_bucket: String,
    buckets: BTreeSet<String>,
    users: Vec<User>,
    roles: Vec<Role>,
    pub(crate) token_key: TokenKey,
}

fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

fn role_id(account_id: &str, role: &str) -> String {
    let digest = Sha256::digest(format!("{account_id}:{role}").as_bytes());
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    format!("3{:016}", u64::from_be_bytes(n) % 10_000_000_000_000_000)
}

impl Directory {
    /// Loads (or creates) `state.json` in `data_dir` and merges the config file's declarations.
    pub(crate) async fn load(
        data_dir: &Path,
        config_file: Option<&Path>,
    ) -> Result<Directory, EmulatorError> {
        let state = PersistedState::load_or_create(data_dir).await?;
        let config = match config_file {
            Some(path) => ConfigFile::load(path).await?,
            None => ConfigFile::default(),
        };
        let from_config = |message: String| match config_file {
            Some(path) => EmulatorError::Config {
                path: path.to_owned(),
                message,
            },
            None => EmulatorError::State {
                path: data_dir.join(state::STATE_FILE),
                message,
            },
        };
        let mut users = state.users.clone();
        users.extend(config.user_records().map_err(from_config)?);
        let mut roles = state.roles.clone();
        roles.extend(config.role_records().map_err(from_config)?);
        let mut buckets = BTreeSet::from([state.default_bucket.clone()]);
        buckets.extend(config.buckets.iter().cloned());
        Self::build(state, buckets, users, roles).map_err(from_config)
    }

    fn build(
        state: PersistedState,
        buckets: BTreeSet<String>,
        users: Vec<UserRecord>,
        roles: Vec<RoleRecord>,
    ) -> Result<Directory, String> {
        for bucket in &buckets {
            ossdirect::api::validate_bucket_name(bucket).map_err(|e| e.to_string())?;
        }
        let token_key =
            TokenKey::from_hex(&state.token_key).ok_or("token_key must be 64 hex digits")?;
        let users = users
            .into_iter()
            .map(Self::user_from_record)
            .collect::<Result<Vec<_>, _>>()?;
        let roles = roles
            .into_iter()
            .map(|r| Self::role_from_record(&state.account_id, r))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, u) in users.iter().enumerate() {
            if users[..i]
                .iter()
                .any(|o| o.name == u.name || o.access_key_id == u.access_key_id)
            {
                return Err(format!(
                    "user '{}' or its AccessKeyId is declared twice",
                    u.name
                ));
            }
        }
        for (i, r) in roles.iter().enumerate() {
            if roles[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&r.name))
            {
                return Err(format!("role '{}' is declared twice", r.name));
            }
        }
        Ok(Directory {
            account_id: state.account_id,
            region: state.region,
            default_bucket: state.default_bucket,
            buckets,
            users,
            roles,
            token_key,
        })
    }

    fn user_from_record(record: UserRecord) -> Result<User, String> {
        if !is_valid_name(&record.name) {
            return Err(format!("invalid user name '{}'", record.name));
        }
        if record.access_key_id.is_empty()
            || record.access_key_id.starts_with("STS.")
            || record.access_key_secret.is_empty()
        {
            return Err(format!(
                "user '{}': access_key_id (not starting with STS.) and access_key_secret are required",
                record.name
            ));
        }
        let policies = record
            .policy
            .as_ref()
            .map(|p| Policy::from_value(p).map_err(|e| format!("user '{}': {e}", record.name)))
            .transpose()?
            .into_iter()
            .collect();
        Ok(User {
            name: record.name,
            access_key_id: record.access_key_id,
            access_key_secret: record.access_key_secret,
            policies,
        })
    }

    fn role_from_record(account_id: &str, record: RoleRecord) -> Result<Role, String> {
        if !is_valid_name(&record.name) {
            return Err(format!("invalid role name '{}'", record.name));
        }
        if !(900..=43200).contains(&record.max_session_duration) {
            return Err(format!(
                "role '{}': max_session_duration must be 900..=43200",
                record.name
            ));
        }
        let policy = Policy::from_value(&record.policy)
            .map_err(|e| format!("role '{}': {e}", record.name))?;
        Ok(Role {
            arn: format!("acs:ram::{account_id}:role/{}", record.name),
            role_id: role_id(account_id, &record.name),
            max_session_duration: record.max_session_duration,
            trusted_users: record.trusted_users,
            policies: vec![policy],
            name: record.name,
        })
    }

    /// Every declared bucket (the default one and the config file's).
    pub(crate) fn buckets(&self) -> impl Iterator<Item = &str> {
        self.buckets.iter().map(String::as_str)
    }

    /// The user owning this AccessKeyId.
    pub(crate) fn user_by_access_key(&self, access_key_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.access_key_id == access_key_id)
    }

    /// The user created on first start.
    pub(crate) fn default_user(&self) -> Option<&User> {
        self.users.iter().find(|u| u.name == state::DEFAULT_USER)
    }

    /// The role with this name (case-insensitive, as RAM role names are).
    pub(crate) fn role(&self, name: &str) -> Option<&Role> {
        self.roles
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The role created on first start.
    pub(crate) fn default_role(&self) -> Option<&Role> {
        self.role(state::DEFAULT_ROLE)
    }

    /// The ARN of an object or bucket: `acs:oss:<region>:<account>:<bucket>[/<key>]`.
    pub(crate) fn oss_resource(&self, bucket: &str, key: Option<&str>) -> String {
        match key {
            Some(key) => format!("acs:oss:{}:{}:{bucket}/{key}", self.region, self.account_id),
            None => format!("acs:oss:{}:{}:{bucket}", self.region, self.account_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn merges_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("emulator.toml");
        std::fs::write(
            &config,
            r#"
            buckets = ["photos"]
            [[users]]
            name = "alice"
            access_key_id = "LTAIalice"
            access_key_secret = "s"
            [[roles]]
            name = "Uploader"
            trusted_users = ["alice"]
            policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
            "#,
        )
        .unwrap();
        let d = Directory::load(dir.path(), Some(&config)).await.unwrap();
        assert_eq!(d.buckets().collect::<Vec<_>>(), ["ossdirect-dev", "photos"]);
        let alice = d.user_by_access_key("LTAIalice").unwrap();
        let role = d.role("uploader").unwrap();
        assert!(role.trusts(alice));
        assert!(!role.trusts(d.default_user().unwrap()));
        assert!(d.default_role().unwrap().trusts(alice));
        assert_eq!(role.role_id.len(), 17);
        assert_eq!(d.account_id.len(), 16);
    }

    #[tokio::test]
    async fn rejects_bad_declarations() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("c.toml");
        for bad in [
            "buckets = [\"Bad_Name\"]",
            "[[users]]\nname = \"dev\"\naccess_key_id = \"x\"\naccess_key_secret = \"y\"",
            "[[users]]\nname = \"a\"\naccess_key_id = \"STS.x\"\naccess_key_secret = \"y\"",
            "[[roles]]\nname = \"r\"\npolicy = \"{}\"",
            "[[roles]]\nname = \"r\"\nmax_session_duration = 10\npolicy = '{\"Version\":\"1\",\"Statement\":[]}'",
        ] {
            std::fs::write(&config, bad).unwrap();
            assert!(Directory::load(dir.path(), Some(&config)).await.is_err(), "{bad}");
        }
    }
}
