//! `state.json`: the identities created on first start (account, default bucket, the `dev`
//! user and its keys, the default role, the token key), kept so restarts change nothing.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::token::TokenKey;
use crate::error::EmulatorError;
use crate::{fsutil, ids};

/// The region the emulator claims to be.
pub(crate) const DEFAULT_REGION: &str = "cn-hangzhou";
/// The bucket created on first start.
pub(crate) const DEFAULT_BUCKET: &str = "ossdirect-dev";
/// The RAM user created on first start.
pub(crate) const DEFAULT_USER: &str = "dev";
/// The role created on first start.
pub(crate) const DEFAULT_ROLE: &str = "ossdirect-dev-role";
/// The file name in the data directory.
pub(crate) const STATE_FILE: &str = "state.json";
const FORMAT: u32 = 1;

/// A RAM user as stored (in `state.json` or declared in the config file).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UserRecord {
    pub(crate) name: String,
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: String,
    /// Attached policy document; `None`: the user may do nothing.
    #[serde(default)]
    pub(crate) policy: Option<Value>,
}

/// A RAM role as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RoleRecord {
    pub(crate) name: String,
    pub(crate) max_session_duration: u64,
    /// Users allowed to assume the role; `None`: every user of the account.
    #[serde(default)]
    pub(crate) trusted_users: Option<Vec<String>>,
    /// The role's permission policy document.
    pub(crate) policy: Value,
}

/// The content of `state.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PersistedState {
    pub(crate) format: u32,
    pub(crate) account_id: String,
    pub(crate) region: String,
    pub(crate) default_bucket: String,
    pub(crate) token_key: String,
    pub(crate) users: Vec<UserRecord>,
    pub(crate) roles: Vec<RoleRecord>,
}

impl PersistedState {
    /// Fresh identities for an empty data directory.
    pub(crate) fn generate() -> Self {
        let account_id = ids::digits(16);
        let bucket = DEFAULT_BUCKET;
        let user_policy = json!({
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": "oss:*", "Resource": format!("acs:oss:*:{account_id}:*")},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("acs:ram::{account_id}:role/*")}
            ]
        });
        let role_policy = json!({
            "Version": "1",
            "Statement": [{
                "Effect": "Allow",
                "Action": "oss:*",
                "Resource": [format!("acs:oss:*:*:{bucket}"), format!("acs:oss:*:*:{bucket}/*")]
            }]
        });
        Self {
            format: FORMAT,
            region: DEFAULT_REGION.to_owned(),
            default_bucket: bucket.to_owned(),
            token_key: TokenKey::generate().to_hex(),
            users: vec![UserRecord {
                name: DEFAULT_USER.to_owned(),
                access_key_id: ids::user_access_key_id(),
                access_key_secret: ids::user_access_key_secret(),
                policy: Some(user_policy),
            }],
            roles: vec![RoleRecord {
                name: DEFAULT_ROLE.to_owned(),
                max_session_duration: 3600,
                trusted_users: None,
                policy: role_policy,
            }],
            account_id,
        }
    }

    /// Loads `state.json` from `data_dir`, creating it on first start.
    pub(crate) async fn load_or_create(data_dir: &Path) -> Result<Self, EmulatorError> {
        let path = data_dir.join(STATE_FILE);
        let error = |message: String| EmulatorError::State {
            path: path.clone(),
            message,
        };
        match fsutil::read_json::<PersistedState>(&path).await {
            Ok(Some(state)) if state.format == FORMAT => {
                // Written world-readable by earlier versions: private from now on.
                fsutil::make_private(&path, false)
                    .await
                    .map_err(|e| error(format!("cannot make private: {e}")))?;
                Ok(state)
            }
            Ok(Some(state)) => Err(error(format!("unsupported format {}", state.format))),
            Ok(None) => {
                let state = Self::generate();
                fsutil::write_json_atomic(&path, &state)
                    .await
                    .map_err(|e| error(format!("cannot write: {e}")))?;
                Ok(state)
            }
            Err(e) => Err(error(format!("cannot read: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn created_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = PersistedState::load_or_create(dir.path()).await.unwrap();
        let second = PersistedState::load_or_create(dir.path()).await.unwrap();
        assert_eq!(first.account_id, second.account_id);
        assert_eq!(
            first.users[0].access_key_secret,
            second.users[0].access_key_secret
        );
        assert_eq!(first.token_key, second.token_key);
        assert_eq!(first.users[0].name, DEFAULT_USER);
    }

    #[tokio::test]
    async fn corrupt_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "{").unwrap();
        assert!(PersistedState::load_or_create(dir.path()).await.is_err());
    }
}
