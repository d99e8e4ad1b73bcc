//! Argument checks done before anything is sent.

use crate::error::{Error, Result};

/// Object keys: 1–1023 bytes of UTF-8, not starting with `/` or `\`.
pub fn validate_object_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 1023 {
        return Err(Error::InvalidArgument(format!(
            "object key must be 1-1023 bytes of UTF-8, got {} bytes",
            key.len()
        )));
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return Err(Error::InvalidArgument(format!(
            "object key must not start with '/' or '\\': {key:?}"
        )));
    }
    Ok(())
}

/// Bucket names: 3–63 characters of lower-case letters, digits and `-`, not starting or ending
/// with `-`.
pub fn validate_bucket_name(bucket: &str) -> Result<()> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "bucket name must be 3-63 lower-case letters, digits or '-': {bucket:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        assert!(validate_object_key("a/b c+中.txt").is_ok());
        assert!(validate_object_key("").is_err());
        assert!(validate_object_key("/abs").is_err());
        assert!(validate_object_key("\\win").is_err());
        assert!(validate_object_key(&"x".repeat(1023)).is_ok());
        assert!(validate_object_key(&"x".repeat(1024)).is_err());
    }

    #[test]
    fn bucket_rules() {
        assert!(validate_bucket_name("my-bucket-1").is_ok());
        assert!(validate_bucket_name("My").is_err());
        assert!(validate_bucket_name("-ab").is_err());
    }
}
