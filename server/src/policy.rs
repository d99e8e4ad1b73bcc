//! The per-user session policy: built from the configured template, sent to STS with
//! `AssumeRole`, and evaluated again by `POST /sign` before anything is signed.

use serde_json::json;

use crate::action::OssAction;
use crate::config::{ConfigError, PolicyConfig};
use crate::user::{UserId, MAX_USER_ID_CHARS};

/// The placeholder replaced by the user id in the prefix template.
pub const USER_PLACEHOLDER: &str = "${user}";
/// The largest session policy STS accepts, in characters.
const MAX_POLICY_CHARS: usize = 2048;

/// A checked policy template (bucket, prefix with `${user}`, actions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyTemplate {
    bucket: String,
    prefix: String,
    actions: Vec<OssAction>,
}

/// One user's session policy: `Allow` on the template's object actions for
/// `acs:oss:*:*:<bucket>/<user's prefix>*`, and, when the template grants `oss:ListObjects`,
/// `Allow oss:ListObjects` on `acs:oss:*:*:<bucket>` only where the listing's `oss:Prefix` is
/// like `<user's prefix>*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPolicy {
    bucket: String,
    prefix: String,
    actions: Vec<OssAction>,
    document: String,
}

/// Whether `name` is a valid OSS bucket name (3–63 of `[a-z0-9-]`, not starting or ending with `-`).
fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn check_prefix(prefix: &str, problems: &mut Vec<String>) {
    let count = prefix.matches(USER_PLACEHOLDER).count();
    if count != 1 {
        problems.push(format!(
            "policy.prefix: must contain {USER_PLACEHOLDER} exactly once, got {prefix:?}"
        ));
        return;
    }
    let rest = prefix.replace(USER_PLACEHOLDER, "");
    if !prefix.contains(&format!("{USER_PLACEHOLDER}/")) {
        problems.push(format!(
            "policy.prefix: {USER_PLACEHOLDER} must be followed by '/' (or user \"al\" could reach \
             \"alice\"'s objects), got {prefix:?}"
        ));
    }
    if prefix.starts_with('/') {
        problems.push(format!(
            "policy.prefix: must not start with '/', got {prefix:?}"
        ));
    }
    if let Some(c) = rest
        .chars()
        .find(|c| matches!(c, '*' | '?' | '$' | '"' | '\\') || c.is_control())
    {
        problems.push(format!(
            "policy.prefix: must not contain {c:?}, got {prefix:?}"
        ));
    }
}

impl PolicyTemplate {
    /// Checks the configured template.
    pub fn new(config: &PolicyConfig) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        if !is_bucket_name(&config.bucket) {
            problems.push(format!(
                "policy.bucket: expected 3-63 characters of a-z, 0-9 and '-', got {:?}",
                config.bucket
            ));
        }
        check_prefix(&config.prefix, &mut problems);
        let mut actions = Vec::new();
        for name in &config.actions {
            match name.parse::<OssAction>() {
                Ok(a) if !actions.contains(&a) => actions.push(a),
                Ok(_) => {}
                Err(e) => problems.push(format!("policy.actions: {e}")),
            }
        }
        if config.actions.is_empty() {
            problems.push("policy.actions: grant at least one action".to_owned());
        }
        ConfigError::from_problems(problems)?;
        let template = Self {
            bucket: config.bucket.clone(),
            prefix: config.prefix.clone(),
            actions,
        };
        // The longest user id must still give a policy STS accepts.
        let longest = UserId::parse(&"u".repeat(MAX_USER_ID_CHARS))
            .map_err(|e| ConfigError::single(e.to_string()))?;
        let size = template.for_user(&longest).document.chars().count();
        if size > MAX_POLICY_CHARS {
            return Err(ConfigError::single(format!(
                "policy: the session policy would be {size} characters, STS accepts {MAX_POLICY_CHARS}"
            )));
        }
        Ok(template)
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The policy of `user`.
    pub fn for_user(&self, user: &UserId) -> UserPolicy {
        let prefix = self.prefix.replace(USER_PLACEHOLDER, user.as_str());
        let object_actions: Vec<&str> = self
            .actions
            .iter()
            .filter(|a| !a.is_bucket_level())
            .map(|a| a.as_str())
            .collect();
        let mut statements = Vec::new();
        if !object_actions.is_empty() {
            statements.push(json!({
                "Effect": "Allow",
                "Action": object_actions,
                "Resource": [format!("acs:oss:*:*:{}/{prefix}*", self.bucket)],
            }));
        }
        if self.actions.contains(&OssAction::ListObjects) {
            // A listing is a bucket request: the prefix is confined by a condition on the
            // request's `prefix` parameter, which a listing without one does not satisfy.
            statements.push(json!({
                "Effect": "Allow",
                "Action": [OssAction::ListObjects.as_str()],
                "Resource": [format!("acs:oss:*:*:{}", self.bucket)],
                "Condition": {"StringLike": {"oss:Prefix": [format!("{prefix}*")]}},
            }));
        }
        let document = json!({
            "Version": "1",
            "Statement": statements,
        })
        .to_string();
        UserPolicy {
            bucket: self.bucket.clone(),
            prefix,
            actions: self.actions.clone(),
            document,
        }
    }
}

impl UserPolicy {
    /// The policy JSON sent as `AssumeRole`'s `Policy`.
    pub fn document(&self) -> &str {
        &self.document
    }

    /// The user's object prefix, e.g. `users/alice/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether the policy allows the object action `action` on object `key` of `bucket`, as RAM
    /// would decide it (never for a bucket-level action: see [`UserPolicy::allows_listing`]).
    pub fn allows(&self, action: OssAction, bucket: &str, key: &str) -> bool {
        !action.is_bucket_level()
            && self.actions.contains(&action)
            && bucket == self.bucket
            && key.starts_with(&self.prefix)
    }

    /// Whether the policy allows listing `bucket` with the `prefix` parameter `prefix`, as RAM
    /// would decide it: `oss:ListObjects` is granted, and the prefix is present and starts with
    /// the user's prefix (a listing without a prefix, or of another user's, is denied).
    pub fn allows_listing(&self, bucket: &str, prefix: Option<&str>) -> bool {
        self.actions.contains(&OssAction::ListObjects)
            && bucket == self.bucket
            && prefix.is_some_and(|p| p.starts_with(&self.prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(prefix: &str, actions: &[&str]) -> PolicyConfig {
        PolicyConfig {
            bucket: "my-bucket".into(),
            prefix: prefix.into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn alice() -> UserId {
        UserId::parse("alice").unwrap()
    }

    #[test]
    fn builds_the_documented_policy() {
        let t = PolicyTemplate::new(&config(
            "users/${user}/",
            &["oss:PutObject", "oss:ListParts", "oss:AbortMultipartUpload"],
        ))
        .unwrap();
        let p = t.for_user(&alice());
        let doc: serde_json::Value = serde_json::from_str(p.document()).unwrap();
        assert_eq!(
            doc,
            json!({"Version": "1", "Statement": [{"Effect": "Allow",
                "Action": ["oss:PutObject", "oss:ListParts", "oss:AbortMultipartUpload"],
                "Resource": ["acs:oss:*:*:my-bucket/users/alice/*"]}]})
        );
        assert_eq!(p.prefix(), "users/alice/");
    }

    #[test]
    fn list_objects_is_a_bucket_statement_confined_by_the_prefix_condition() {
        let t = PolicyTemplate::new(&config(
            "users/${user}/",
            &["oss:PutObject", "oss:ListObjects", "oss:DeleteObject"],
        ))
        .unwrap();
        let p = t.for_user(&alice());
        let doc: serde_json::Value = serde_json::from_str(p.document()).unwrap();
        assert_eq!(
            doc,
            json!({"Version": "1", "Statement": [
                {"Effect": "Allow",
                 "Action": ["oss:PutObject", "oss:DeleteObject"],
                 "Resource": ["acs:oss:*:*:my-bucket/users/alice/*"]},
                {"Effect": "Allow",
                 "Action": ["oss:ListObjects"],
                 "Resource": ["acs:oss:*:*:my-bucket"],
                 "Condition": {"StringLike": {"oss:Prefix": ["users/alice/*"]}}}]})
        );
        // Listing alone: no object statement at all.
        let only = PolicyTemplate::new(&config("users/${user}/", &["oss:ListObjects"])).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(only.for_user(&alice()).document()).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
        assert_eq!(
            doc["Statement"][0]["Resource"],
            json!(["acs:oss:*:*:my-bucket"])
        );
    }

    #[test]
    fn allows_listing_mirrors_the_condition() {
        let t = PolicyTemplate::new(&config(
            "users/${user}/",
            &["oss:PutObject", "oss:ListObjects"],
        ))
        .unwrap();
        let p = t.for_user(&alice());
        assert!(p.allows_listing("my-bucket", Some("users/alice/")));
        assert!(p.allows_listing("my-bucket", Some("users/alice/photos/2024")));
        assert!(!p.allows_listing("my-bucket", None), "the whole bucket");
        assert!(!p.allows_listing("my-bucket", Some("")));
        assert!(!p.allows_listing("my-bucket", Some("users/")));
        assert!(!p.allows_listing("my-bucket", Some("users/alice")));
        assert!(!p.allows_listing("my-bucket", Some("users/bob/")));
        assert!(!p.allows_listing("other-bucket", Some("users/alice/")));
        // A bucket action is never an object grant, and without the action nothing is listed.
        assert!(!p.allows(OssAction::ListObjects, "my-bucket", "users/alice/a"));
        let no_list = PolicyTemplate::new(&config("users/${user}/", &["oss:PutObject"])).unwrap();
        assert!(!no_list
            .for_user(&alice())
            .allows_listing("my-bucket", Some("users/alice/")));
    }

    #[test]
    fn every_action_still_fits_the_policy_limit() {
        let all: Vec<&str> = OssAction::ALL.iter().map(|a| a.as_str()).collect();
        let t = PolicyTemplate::new(&config("users/${user}/", &all)).unwrap();
        let longest = UserId::parse(&"u".repeat(MAX_USER_ID_CHARS)).unwrap();
        assert!(t.for_user(&longest).document().chars().count() <= MAX_POLICY_CHARS);
        // A prefix long enough to break the limit with both statements is refused.
        let long = format!("{}/${{user}}/", "p".repeat(900));
        let err = PolicyTemplate::new(&config(&long, &all))
            .unwrap_err()
            .to_string();
        assert!(err.contains("2048"), "{err}");
    }

    #[test]
    fn allows_mirrors_the_document() {
        let t = PolicyTemplate::new(&config("users/${user}/", &["oss:PutObject"])).unwrap();
        let p = t.for_user(&alice());
        assert!(p.allows(OssAction::PutObject, "my-bucket", "users/alice/a.txt"));
        assert!(!p.allows(OssAction::PutObject, "my-bucket", "users/alicex/a.txt"));
        assert!(!p.allows(OssAction::PutObject, "my-bucket", "users/bob/a.txt"));
        assert!(!p.allows(OssAction::PutObject, "other-bucket", "users/alice/a.txt"));
        assert!(!p.allows(OssAction::GetObject, "my-bucket", "users/alice/a.txt"));
    }

    #[test]
    fn bad_templates_are_explained() {
        let err = |c: PolicyConfig| PolicyTemplate::new(&c).unwrap_err().to_string();
        assert!(err(config("users/", &["oss:PutObject"])).contains("exactly once"));
        assert!(err(config("users/${user}", &["oss:PutObject"])).contains("followed by '/'"));
        assert!(err(config("*/${user}/", &["oss:PutObject"])).contains("must not contain '*'"));
        assert!(err(config("users/${user}/", &["oss:*"])).contains("unknown action"));
        assert!(err(config("users/${user}/", &[])).contains("at least one action"));
        let mut bad_bucket = config("users/${user}/", &["oss:PutObject"]);
        bad_bucket.bucket = "My_Bucket".into();
        assert!(err(bad_bucket).contains("policy.bucket"));
    }
}
