//! Static bearer tokens: a table keyed by their SHA-256 digests.
//!
//! A lookup hashes the presented token and finds its digest in a hash map, then compares the
//! stored digest with it in constant time: the cost does not grow with the number of tokens,
//! and what the map's timing could reveal is about the digest (a SHA-256 preimage away from
//! any token), never the token itself.

use std::collections::HashMap;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{ConfigError, TokenEntry};
use crate::user::UserId;

/// The shortest token accepted in clear.
const MIN_TOKEN_CHARS: usize = 16;

/// The layout of a tokens file (TOML `[[tokens]]` tables or JSON `{"tokens": [...]}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<TokenEntry>,
}

/// A new random bearer token (256 bits, URL-safe base64).
pub fn new_bearer_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The hex SHA-256 of a token, as a tokens file's `sha256` field holds it.
pub fn token_sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks an entry and returns the digest it stands for.
pub(crate) fn entry_digest(entry: &TokenEntry) -> Result<[u8; 32], String> {
    UserId::parse(&entry.user).map_err(|e| format!("user {:?}: {e}", entry.user))?;
    match (&entry.token, &entry.sha256) {
        (Some(token), None) => {
            let token = token.expose_secret();
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "the token of {:?} is shorter than {MIN_TOKEN_CHARS} characters",
                    entry.user
                ));
            }
            Ok(Sha256::digest(token.as_bytes()).into())
        }
        (None, Some(hash)) => {
            let bytes = hex::decode(hash.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok());
            bytes.ok_or_else(|| {
                format!(
                    "sha256 of {:?}: expected 64 hex digits (the SHA-256 of the token)",
                    entry.user
                )
            })
        }
        _ => Err(format!(
            "entry of {:?}: give exactly one of token or sha256",
            entry.user
        )),
    }
}

/// Static bearer tokens mapped to user ids, keyed by digest.
#[derive(Default)]
pub struct TokenTable {
    entries: HashMap<[u8; 32], String>,
}

impl std::fmt::Debug for TokenTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenTable({} tokens)", self.entries.len())
    }
}

impl TokenTable {
    /// A table of the given entries.
    pub fn new(entries: &[TokenEntry]) -> Result<Self, ConfigError> {
        let mut table = Self::default();
        let mut problems = Vec::new();
        for entry in entries {
            match entry_digest(entry) {
                Ok(digest) => {
                    if let Err(e) = table.insert(digest, &entry.user) {
                        problems.push(format!("auth.tokens: {e}"));
                    }
                }
                Err(e) => problems.push(format!("auth.tokens: {e}")),
            }
        }
        ConfigError::from_problems(problems)?;
        Ok(table)
    }

    /// Adds one digest; the same token twice is refused (it could only ever mean one user).
    fn insert(&mut self, digest: [u8; 32], user: &str) -> Result<(), String> {
        match self.entries.insert(digest, user.to_owned()) {
            None => Ok(()),
            Some(other) => Err(format!(
                "the token of {user:?} is also the token of {other:?} (each token must be unique)"
            )),
        }
    }

    /// The user ids of the table.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(String::as_str)
    }

    /// Adds the entries of a TOML or JSON (by extension `.json`) tokens file.
    pub fn load_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let name = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::single(format!("auth.tokens_file {name}: {e}")))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let file: TokensFile = if is_json {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| e.to_string())
        }
        .map_err(|e| ConfigError::single(format!("auth.tokens_file {name}: {e}")))?;
        let more = Self::new(&file.tokens).map_err(|e| ConfigError {
            problems: e
                .problems
                .into_iter()
                .map(|p| format!("auth.tokens_file {name}: {p}"))
                .collect(),
        })?;
        let mut problems = Vec::new();
        for (digest, user) in more.entries {
            if let Err(e) = self.insert(digest, &user) {
                problems.push(format!("auth.tokens_file {name}: {e}"));
            }
        }
        ConfigError::from_problems(problems)
    }

    /// The user whose token this is: the digest's entry, confirmed in constant time.
    pub fn lookup(&self, token: &str) -> Option<&str> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let (stored, user) = self.entries.get_key_value(&digest)?;
        bool::from(stored.ct_eq(&digest)).then_some(user.as_str())
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "alice-token-0123456789";

    #[test]
    fn clear_and_hashed_tokens_are_found() {
        let hashed = TokenEntry {
            user: "bob".into(),
            token: None,
            sha256: Some(token_sha256_hex("bob-token-0123456789").to_uppercase()),
        };
        let table = TokenTable::new(&[TokenEntry::new("alice", ALICE), hashed]).unwrap();
        assert_eq!(table.lookup(ALICE), Some("alice"));
        assert_eq!(table.lookup("bob-token-0123456789"), Some("bob"));
        assert_eq!(table.lookup("alice-token-012345678"), None);
        assert_eq!(table.lookup(""), None);
    }

    #[test]
    fn weak_or_ambiguous_entries_are_refused() {
        let short = TokenEntry::new("alice", "short");
        assert!(TokenTable::new(&[short])
            .unwrap_err()
            .to_string()
            .contains("shorter than 16"));
        let bad_user = TokenEntry::new("a/b", ALICE);
        assert!(TokenTable::new(&[bad_user]).is_err());
        let both = TokenEntry {
            sha256: Some(token_sha256_hex(ALICE)),
            ..TokenEntry::new("alice", ALICE)
        };
        assert!(TokenTable::new(&[both])
            .unwrap_err()
            .to_string()
            .contains("exactly one"));
    }

    #[test]
    fn files_in_toml_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("tokens.toml");
        std::fs::write(
            &toml_path,
            format!(
                "[[tokens]]\nuser = \"alice\"\nsha256 = \"{}\"\n",
                token_sha256_hex(ALICE)
            ),
        )
        .unwrap();
        let json_path = dir.path().join("tokens.json");
        std::fs::write(
            &json_path,
            r#"{"tokens":[{"user":"bob","token":"bob-token-0123456789"}]}"#,
        )
        .unwrap();
        let mut table = TokenTable::default();
        table.load_file(&toml_path).unwrap();
        table.load_file(&json_path).unwrap();
        assert_eq!(table.lookup(ALICE), Some("alice"));
        assert_eq!(table.lookup("bob-token-0123456789"), Some("bob"));
        let err = table
            .load_file(&dir.path().join("missing.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("missing.toml"), "{err}");
    }

    #[test]
    fn the_same_token_twice_is_refused() {
        let twice = [
            TokenEntry::new("alice", ALICE),
            TokenEntry::new("bob", ALICE),
        ];
        let err = TokenTable::new(&twice).unwrap_err().to_string();
        assert!(err.contains("unique"), "{err}");
    }

    /// Keyed by digest: a lookup costs the same with 100,000 tokens as with one (a comparison
    /// with every entry took seconds here).
    #[test]
    fn lookups_do_not_scan_the_table() {
        let entries: Vec<TokenEntry> = (0..100_000)
            .map(|i| TokenEntry {
                user: format!("user{i}"),
                token: None,
                sha256: Some(token_sha256_hex(&format!("token-{i:012}"))),
            })
            .collect();
        let table = TokenTable::new(&entries).unwrap();
        let started = std::time::Instant::now();
        for i in 0..2_000 {
            assert_eq!(
                table.lookup(&format!("token-{i:012}")),
                Some(format!("user{i}").as_str())
            );
            assert_eq!(table.lookup(&format!("nope-{i:012}")), None);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn new_tokens_are_long_and_distinct() {
        let (a, b) = (new_bearer_token(), new_bearer_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
