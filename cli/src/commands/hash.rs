//! `ossdirect hash FILE`: CRC-64 and Content-MD5, as `ossutil hash` prints them.

use std::io::Read;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use md5::{Digest, Md5};
use ossdirect::crc64::Crc64;

use super::CliResult;

/// Streams the file once, feeding both digests.
pub fn hash(path: &Path, json: bool) -> CliResult {
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
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
    let crc = crc.finish().to_string();
    let md5 = BASE64.encode(md5.finalize());
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
