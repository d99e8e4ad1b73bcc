//! Uploads a file with credentials from the token endpoint, printing a progress line.
//!
//! `upload KEY FILE` (settings from the environment: see the library's docs).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use ossdirect::transfer::{Progress, TransferHandle, UploadOptions, UploadSource};
use ossdirect_examples::{progress_line, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(key), Some(file)) = (args.next(), args.next()) else {
        return Err("usage: upload KEY FILE".into());
    };
    let settings = Settings::from_env()?;
    let client = settings.client()?;
    let options = UploadOptions {
        progress: Some(Arc::new(|p: Progress| {
            eprint!("\r{}", progress_line("upload", p.bytes_done, p.bytes_total));
            let _ = std::io::stderr().flush();
        })),
        ..UploadOptions::default()
    };
    let source = UploadSource::File(PathBuf::from(file));
    let out = client
        .upload(
            &settings.bucket,
            &key,
            source,
            &options,
            &TransferHandle::new(),
        )
        .await?;
    eprintln!();
    println!(
        "uploaded {key}: {} bytes in {} parts, ETag {}",
        out.size, out.parts, out.etag
    );
    Ok(())
}
