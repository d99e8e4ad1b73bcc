//! Random identifiers in the shapes OSS, RAM and STS use.

use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;

/// `n` random ASCII letters and digits.
pub(crate) fn alnum(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// `n` random upper-case hex digits.
pub(crate) fn upper_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b"0123456789ABCDEF"[rng.random_range(0..16)]))
        .collect()
}

/// `n` random decimal digits, the first not zero.
pub(crate) fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|i| {
            let low = if i == 0 { 1 } else { 0 };
            char::from(b'0' + rng.random_range(low..10u8))
        })
        .collect()
}

/// An `x-oss-request-id`: 24 upper-case hex digits.
pub(crate) fn request_id() -> String {
    upper_hex(24)
}

/// A RAM user AccessKeyId: `LTAI` + 20 letters and digits.
pub(crate) fn user_access_key_id() -> String {
    format!("LTAI{}", alnum(20))
}

/// A RAM user AccessKeySecret: 30 letters and digits.
pub(crate) fn user_access_key_secret() -> String {
    alnum(30)
}

/// An STS AccessKeyId: `STS.` + 24 letters and digits.
pub(crate) fn sts_access_key_id() -> String {
    format!("STS.{}", alnum(24))
}

/// A multipart upload id: 32 upper-case hex digits.
pub(crate) fn upload_id() -> String {
    upper_hex(32)
}

/// Whether `id` could be an upload id this emulator issued (safe as a file name).
pub(crate) fn is_upload_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(request_id().len(), 24);
        assert!(request_id()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
        let ak = user_access_key_id();
        assert!(ak.starts_with("LTAI") && ak.len() == 24);
        assert_eq!(user_access_key_secret().len(), 30);
        let account = digits(16);
        assert_eq!(account.len(), 16);
        assert!(!account.starts_with('0'));
        assert!(is_upload_id(&upload_id()));
        assert!(!is_upload_id("../x"));
    }
}
