//! Percent-encoding as OSS canonicalizes it.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// As [`UNRESERVED`], but `/` is kept (object paths).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Encodes a string the way V4 canonical queries and URL queries need it (`/` becomes `%2F`).
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Encodes a path, keeping `/` (V4 canonical URI and request URLs).
pub fn uri_encode_path(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED_AND_SLASH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_unicode() {
        assert_eq!(uri_encode("a b+c/d~e*"), "a%20b%2Bc%2Fd~e%2A");
        assert_eq!(uri_encode_path("/b/中 %/x"), "/b/%E4%B8%AD%20%25/x");
    }
}
