//! Percent-encoding and hex as OSS canonicalizes them, written straight into a caller's buffer.

/// Upper-case hex digits, as percent-encoding uses them.
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
/// Lower-case hex digits, as signatures and digests are written.
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// The two lower-case hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = hex_pairs();

const fn hex_pairs() -> [[u8; 2]; 256] {
    let mut pairs = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        pairs[b] = [HEX_LOWER[b >> 4], HEX_LOWER[b & 0x0f]];
        b += 1;
    }
    pairs
}

/// `true` for the bytes RFC 3986 leaves unencoded: `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: [bool; 256] = unreserved_table();

const fn unreserved_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
}

/// Whether `b` is written as it is (`/` too when `keep_slash`).
fn is_kept(b: u8, keep_slash: bool) -> bool {
    UNRESERVED[usize::from(b)] || (keep_slash && b == b'/')
}

/// Whether percent-encoding would change `s`.
pub(crate) fn needs_encoding(s: &str, keep_slash: bool) -> bool {
    s.bytes().any(|b| !is_kept(b, keep_slash))
}

/// Appends `s` percent-encoded: every byte but the unreserved ones (and `/` when `keep_slash`)
/// becomes `%XX` with upper-case hex. Runs of bytes kept as they are are copied whole.
pub(crate) fn push_encoded(out: &mut String, s: &str, keep_slash: bool) {
    let mut kept_from = 0;
    for (i, b) in s.bytes().enumerate() {
        if !is_kept(b, keep_slash) {
            push_run(out, s, kept_from..i);
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
            kept_from = i + 1;
        }
    }
    push_run(out, s, kept_from..s.len());
}

/// Appends `s[run]`, a run of ASCII bytes (so its ends are char boundaries), if not empty.
fn push_run(out: &mut String, s: &str, run: std::ops::Range<usize>) {
    // An empty run may start inside a multi-byte char; `get` returns `None` for it.
    if let Some(text) = s.get(run) {
        out.push_str(text);
    }
}

/// Appends `bytes` as lower-case hex.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(32) {
        let mut digits = [0u8; 64];
        for (pair, &b) in digits.chunks_exact_mut(2).zip(chunk) {
            pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
        }
        push_ascii(out, &digits[..2 * chunk.len()]);
    }
}

/// Appends ASCII bytes as text.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    match std::str::from_utf8(ascii) {
        Ok(text) => out.push_str(text),
        // Not reached for ASCII; for other bytes, each becomes the char of that code point.
        Err(_) => out.extend(ascii.iter().map(|&b| char::from(b))),
    }
}

/// `bytes` as lower-case hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Encodes a string the way V4 canonical queries and URL queries need it (`/` becomes `%2F`).
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded(&mut out, s, false);
    out
}

/// Encodes a path, keeping `/` (V4 canonical URI and request URLs).
pub fn uri_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded(&mut out, s, true);
    out
}

#[cfg(test)]
mod tests {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    use super::*;

    /// The sets the encoders used to be built on.
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    const SET_AND_SLASH: &AsciiSet = &SET.remove(b'/');

    #[test]
    fn encodes_reserved_and_unicode() {
        assert_eq!(uri_encode("a b+c/d~e*"), "a%20b%2Bc%2Fd~e%2A");
        assert_eq!(uri_encode_path("/b/中 %/x"), "/b/%E4%B8%AD%20%25/x");
    }

    #[test]
    fn matches_percent_encoding_for_every_char() {
        let all: String = (0u32..0x800)
            .chain([0xFFFD, 0x1F600])
            .filter_map(char::from_u32)
            .collect();
        assert_eq!(uri_encode(&all), utf8_percent_encode(&all, SET).to_string());
        assert_eq!(
            uri_encode_path(&all),
            utf8_percent_encode(&all, SET_AND_SLASH).to_string()
        );
        assert!(!needs_encoding("Abc-_.~9", false));
        assert!(needs_encoding("a/b", false));
        assert!(!needs_encoding("a/b", true));
    }

    #[test]
    fn hex_matches_the_hex_crate() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(to_hex(&bytes), hex::encode(&bytes));
        assert_eq!(to_hex(&bytes[..33]), hex::encode(&bytes[..33]));
        let mut out = String::new();
        push_ascii(&mut out, &[b'a', 0xe9]);
        assert_eq!(out, "a\u{e9}");
    }
}
