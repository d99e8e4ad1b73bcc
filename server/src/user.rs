//! User ids: which ones are accepted (none that could widen a session policy), and the STS
//! `RoleSessionName` derived from one.

use sha2::{Digest, Sha256};

/// The longest user id accepted, in characters.
pub const MAX_USER_ID_CHARS: usize = 64;

/// Why a user id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserIdError {
    /// The id is empty.
    #[error("the user id is empty")]
    Empty,
    /// The id is longer than [`MAX_USER_ID_CHARS`].
    #[error("the user id is longer than {MAX_USER_ID_CHARS} characters")]
    TooLong,
    /// The id holds a character that means something in a policy or a path.
    #[error("the user id contains {0:?}, which is not allowed (it could widen the policy)")]
    ForbiddenChar(char),
    /// The id holds `..`, or is `.`.
    #[error("the user id contains a dot segment (\".\" or \"..\"), which is not allowed")]
    DotSegment,
}

/// A user id that is safe to put into a session policy's resource and an object prefix.
///
/// Refused: empty, over 64 characters, `*`, `?` (policy wildcards), `$` (policy variables),
/// `/` and `\` (path separators), `"` (JSON), whitespace and control characters, `..` and `.`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    /// Checks `id`.
    pub fn parse(id: &str) -> Result<Self, UserIdError> {
        if id.is_empty() {
            return Err(UserIdError::Empty);
        }
        if id.chars().count() > MAX_USER_ID_CHARS {
            return Err(UserIdError::TooLong);
        }
        if let Some(c) = id.chars().find(|c| {
            matches!(c, '*' | '?' | '$' | '/' | '\\' | '"') || c.is_whitespace() || c.is_control()
        }) {
            return Err(UserIdError::ForbiddenChar(c));
        }
        if id == "." || id.contains("..") {
            return Err(UserIdError::DotSegment);
        }
        Ok(Self(id.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The STS `RoleSessionName` for this user: 2–64 characters of `[A-Za-z0-9.@_-]`.
    ///
    /// An id that already fits is used as is; otherwise the other characters become `-`, and a
    /// short hash of the id is appended so that different ids keep different names.
    pub fn session_name(&self) -> String {
        let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '-');
        if self.0.len() >= 2 && self.0.chars().all(fits) {
            return self.0.clone();
        }
        let digest = Sha256::digest(self.0.as_bytes());
        let suffix = hex::encode(&digest[..4]);
        let cleaned: String = self
            .0
            .chars()
            .map(|c| if fits(c) { c } else { '-' })
            .take(MAX_USER_ID_CHARS - suffix.len() - 1)
            .collect();
        format!("{cleaned}-{suffix}")
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_ids_pass() {
        for id in [
            "alice",
            "a",
            "user-42",
            "alice@example.com",
            "auth0|5f1c",
            "名前",
            "a.b",
        ] {
            assert_eq!(UserId::parse(id).unwrap().as_str(), id);
        }
        assert!(UserId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn policy_widening_ids_are_refused() {
        let refused = [
            "", "*", "a*", "a?", "a/b", "..", ".", "a..b", "$", "${user}", "a\"b", "a\\b", "a b",
            "a\tb", "a\nb", "a\u{0}b", "a\u{a0}b",
        ];
        for id in refused {
            assert!(UserId::parse(id).is_err(), "{id:?} was accepted");
        }
        assert_eq!(UserId::parse(&"x".repeat(65)), Err(UserIdError::TooLong));
    }

    #[test]
    fn session_names_fit_sts_rules() {
        let name = |id: &str| UserId::parse(id).unwrap().session_name();
        assert_eq!(name("alice@example.com"), "alice@example.com");
        for id in ["a", "auth0|5f1c", "名前", &"é".repeat(64)] {
            let n = name(id);
            assert!((2..=64).contains(&n.len()), "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c)),
                "{n}"
            );
        }
        assert_ne!(name("a|b"), name("a:b"));
    }
}
