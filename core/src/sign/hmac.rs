//! HMAC helpers: the one place keyed hashes are built.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// HMAC-SHA1 of `data` under `key`.
#[allow(clippy::expect_used, reason = "HMAC accepts keys of every length")]
pub fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    // HMAC accepts keys of every length (long ones are hashed), so construction cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `data` under `key`.
#[allow(clippy::expect_used, reason = "HMAC accepts keys of every length")]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of every length (long ones are hashed), so construction cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 under one 32-byte key, keyed once: the padded inner and outer key blocks are
/// hashed when it is made, so each message costs only its own blocks and the outer one.
#[derive(Clone)]
pub(crate) struct KeyedHmacSha256(Hmac<Sha256>);

impl KeyedHmacSha256 {
    /// Keys the HMAC. A 32-byte key zero-padded to the 64-byte block is the key HMAC itself uses.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(key);
        Self(<Hmac<Sha256> as hmac::digest::KeyInit>::new(&block.into()))
    }

    /// HMAC-SHA256 of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_test_vectors() {
        // RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256).
        assert_eq!(
            hex::encode(hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn keyed_hmac_matches_one_shot() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 7 + 3) as u8);
        let keyed = KeyedHmacSha256::new(&key);
        for message in [&b""[..], b"abc", &[0x5a; 200]] {
            assert_eq!(keyed.sign(message), hmac_sha256(&key, message));
        }
    }
}
