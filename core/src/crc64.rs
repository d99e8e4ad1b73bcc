//! CRC-64 as OSS computes it (`x-oss-hash-crc64ecma`): CRC-64/XZ, the ECMA-182 polynomial,
//! reflected, with all-ones initial value and final XOR.
//!
//! Hashing uses `crc64fast` (carry-less multiplication where the CPU has it); `combine` joins
//! the CRCs of consecutive pieces, which is how a multipart object's CRC follows from its parts.

/// An incremental CRC-64/XZ digest.
#[derive(Clone, Default)]
pub struct Crc64 {
    inner: crc64fast::Digest,
}

impl Crc64 {
    /// A digest of no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.write(bytes);
    }

    /// The CRC of everything fed so far.
    pub fn finish(&self) -> u64 {
        self.inner.sum64()
    }
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crc64({})", self.finish())
    }
}

/// The CRC-64/XZ of `bytes`.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut c = Crc64::new();
    c.update(bytes);
    c.finish()
}

/// The reflected ECMA-182 polynomial.
const POLY: u64 = 0xC96C_5795_D787_0F42;

/// `x^0` in the reflected representation (the top bit is the lowest power).
const X0: u64 = 1 << 63;

/// `a * b mod P` for polynomials in the reflected representation.
const fn mult_mod_p(a: u64, mut b: u64) -> u64 {
    let mut product = 0;
    let mut bit = X0;
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        bit >>= 1;
    }
    product
}

/// `X2N[k] = x^(2^k) mod P`, for k up to 66 (lengths in bytes are multiplied by 8 = 2^3).
const X2N: [u64; 67] = {
    let mut table = [0u64; 67];
    let mut p = X0 >> 1; // x^1
    let mut k = 0;
    while k < table.len() {
        table[k] = p;
        p = mult_mod_p(p, p);
        k += 1;
    }
    table
};

/// The CRC of `A ‖ B` from `crc(A)`, `crc(B)` and `len(B)`: `crc(A)` times `x^(8·len(B))`
/// mod P, plus `crc(B)` (zlib's newer method: at most 64 multiplications, no matrices).
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    let mut shift = X0; // x^(8·len_b), built from the bits of len_b
    let (mut len, mut k) = (len_b, 3);
    while len != 0 {
        if len & 1 != 0 {
            shift = mult_mod_p(X2N[k], shift);
        }
        len >>= 1;
        k += 1;
    }
    mult_mod_p(shift, crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values() {
        // CRC-64/XZ check value (and protocol notes: "123456789" -> 11051210869376104954).
        assert_eq!(checksum(b"123456789"), 11051210869376104954);
        assert_eq!(checksum(b""), 0);
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut c = Crc64::new();
        for chunk in data.chunks(777) {
            c.update(chunk);
        }
        assert_eq!(c.finish(), checksum(&data));
    }

    #[test]
    fn combine_joins_many_pieces_of_any_length() {
        let data: Vec<u8> = (0..(5 << 20) + 77u32).map(|i| (i % 251) as u8).collect();
        let cuts = [0, 3, 65_536, 1 << 20, (1 << 20) + 1, 5 << 20, data.len()];
        let joined = cuts.windows(2).fold(0, |acc, w| {
            let piece = &data[w[0]..w[1]];
            combine(acc, checksum(piece), piece.len() as u64)
        });
        assert_eq!(joined, checksum(&data));
    }

    #[test]
    fn combine_matches_whole() {
        let data: Vec<u8> = (0..300_001u32).map(|i| (i * 7 % 253) as u8).collect();
        for split in [0, 1, 17, 4096, 150_000, 300_000, 300_001] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                combine(checksum(a), checksum(b), b.len() as u64),
                checksum(&data)
            );
        }
    }
}
