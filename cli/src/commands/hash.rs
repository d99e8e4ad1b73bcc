//! `ossdirect hash FILE`: CRC-64 and Content-MD5, as `ossutil hash` prints them.

use std::io::Read;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use md5::{Digest, Md5};
use ossdirect::crc64::Crc64;

use super::CliResult;

/// The CRC-64 and MD5 of a file, read once in 1 MiB chunks.
pub struct FileDigests {
    /// CRC-64/XZ, as `x-oss-hash-crc64ecma`.
    pub crc64: u64,
    /// The MD5 bytes.
    pub md5: [u8; 16],
}

/// Streams the file once, feeding both digests.
pub fn digest_file(path: &Path) -> std::io::Result<FileDigests> {
    let mut file = std::fs::File::open(path).map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
    })?;
    let mut crc = Crc64::new();
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        crc.update(&buf[..n]);
        md5.update(&buf[..n]);
    }
    Ok(FileDigests {
        crc64: crc.finish(),
        md5: md5.finalize().into(),
    })
}

/// Prints the digests as `ossutil hash` does.
pub fn hash(path: &Path, json: bool) -> CliResult {
    let digests = digest_file(path)?;
    let crc = digests.crc64.to_string();
    let md5 = BASE64.encode(digests.md5);
    if json {
        println!(
            "{}",
            serde_json::json!({ "crc64ecma": crc, "content-md5": md5 })
        );
    } else {
        println!("crc64ecma: {crc}\ncontent-md5: {md5}");
    }
    Ok(())
}
