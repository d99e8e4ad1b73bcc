//! `ossdirect demo`: the whole story on the embedded emulator, in one command.
//!
//! Starts the emulator and the token vending server in-process, gets STS credentials as a demo
//! user through the token endpoint (the server assumed the role with a least-privilege session
//! policy), uploads a generated file with a resumable multipart upload (parts read from the
//! file as they are sent), downloads it back with parallel ranged reads, verifies CRC-64 and MD5 of
//! both, prints a presigned URL and reads the object through it, and shuts everything down.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use ossdirect::client::Method;
use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::transfer::{DownloadOptions, TransferHandle, UploadOptions, UploadSource};
use ossdirect::{Client, CredentialsProvider, Endpoint, PutObjectOptions};

use super::dev::{DevOptions, DevStack};
use super::hash::digest_file;
use super::transfer::progress_bar;
use super::CliResult;
use crate::args::parse_size;

/// Arguments of `ossdirect demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Size of the generated file (`256MiB`, `1GiB`, `1048576`).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    size: u64,
    /// Part size of the multipart upload and of the ranged download.
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    part_size: u64,
    /// Parts in flight at once.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `size` bytes of a cheap pseudo-random pattern.
fn generate(path: &Path, size: u64) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])?;
        left -= n as u64;
    }
    file.flush()
}

/// Runs the demo.
pub async fn run(a: DemoArgs) -> CliResult {
    if a.part_size < 100 * 1024 {
        return Err("--part-size must be at least 100KiB (OSS's smallest non-last part)".into());
    }
    let work = tempfile::tempdir()?;
    let stack = DevStack::start(DevOptions {
        data_dir: Some(work.path().join("emulator-data")),
        ..DevOptions::default()
    })
    .await?;
    let result = demo(&stack, work.path(), &a).await;
    stack.shutdown().await;
    result
}

async fn demo(stack: &DevStack, work: &Path, a: &DemoArgs) -> CliResult {
    let info = stack.emulator.info().clone();
    eprintln!(
        "emulator: OSS {}  STS {}  bucket {}",
        info.oss_endpoint, info.sts_endpoint, info.bucket
    );
    eprintln!("token server: {}", stack.token_url());

    // The device's side: credentials come from the app server's token endpoint (which called
    // STS AssumeRole with a session policy for this user), cached and refreshed by the SDK.
    let (user, bearer) = stack.users[0].clone();
    let fetcher = TokenEndpointFetcher::with_options(
        stack.token_url(),
        Method::GET,
        vec![("Authorization".into(), format!("Bearer {bearer}"))],
        Duration::from_secs(10),
    )?;
    let provider = Arc::new(RefreshingProvider::new(Arc::new(fetcher)));
    let credentials = provider.credentials().await?;
    eprintln!("credentials for {user}: {credentials} (limited to users/{user}/)");
    let client = Client::builder(&info.region)
        .endpoint(Endpoint::parse(&info.oss_endpoint)?)
        .credentials_provider(provider)
        .build()?;

    let source = work.join("source.bin");
    generate(&source, a.size)?;
    let source_digests = digest_file(&source)?;
    eprintln!(
        "generated {} bytes: crc64ecma {} md5 {}",
        a.size,
        source_digests.crc64,
        hex(&source_digests.md5)
    );

    let key = format!("users/{user}/demo-{}.bin", a.size);
    let handle = TransferHandle::new();
    let (bar, progress) = progress_bar(false);
    let upload_options = UploadOptions {
        part_size: a.part_size,
        parallel: a.parallel,
        multipart_threshold: a.part_size,
        checkpoint_dir: Some(work.join("checkpoints")),
        progress: Some(progress),
        ..Default::default()
    };
    eprintln!(
        "upload (resumable multipart, {} parts in flight):",
        a.parallel
    );
    let started = Instant::now();
    let uploaded = client
        .upload(
            &info.bucket,
            &key,
            UploadSource::File(source.clone()),
            &upload_options,
            &handle,
        )
        .await;
    bar.finish();
    let uploaded = uploaded?;
    eprintln!("  {} parts in {:.1?}", uploaded.parts, started.elapsed());
    let uploaded_crc = uploaded.crc64;

    let target = work.join("downloaded.bin");
    let (bar, progress) = progress_bar(false);
    let download_options = DownloadOptions {
        part_size: a.part_size,
        parallel: a.parallel,
        checkpoint_dir: Some(work.join("checkpoints")),
        progress: Some(progress),
        ..Default::default()
    };
    eprintln!("download (ranged, {} ranges in flight):", a.parallel);
    let started = Instant::now();
    let downloaded = client
        .download(&info.bucket, &key, &target, &download_options, &handle)
        .await;
    bar.finish();
    downloaded?;
    eprintln!("  done in {:.1?}", started.elapsed());
    let target_digests = digest_file(&target)?;

    let ok = uploaded_crc == Some(source_digests.crc64)
        && target_digests.crc64 == source_digests.crc64
        && target_digests.md5 == source_digests.md5;
    eprintln!(
        "verify: server crc64ecma {:?}, downloaded crc64ecma {} md5 {} -> {}",
        uploaded_crc,
        target_digests.crc64,
        hex(&target_digests.md5),
        if ok { "OK" } else { "MISMATCH" }
    );
    let refused = client
        .put_object(
            &info.bucket,
            "users/someone-else/x",
            "x",
            &PutObjectOptions::default(),
        )
        .await;
    eprintln!(
        "outside users/{user}/: {}",
        match &refused {
            Err(e) => format!("refused ({})", e.code().unwrap_or("?")),
            Ok(_) => "ACCEPTED (the session policy did not apply!)".into(),
        }
    );
    let url = client
        .presign_object(Method::GET, &info.bucket, &key, vec![], 3600)
        .await?;
    println!("{url}");
    let shared_crc = crc_through_url(&url).await?;
    let shared_ok = shared_crc == source_digests.crc64;
    eprintln!(
        "presigned URL read by a plain HTTP client: crc64ecma {shared_crc} -> {}",
        if shared_ok { "OK" } else { "MISMATCH" }
    );
    if !ok || refused.is_ok() || !shared_ok {
        return Err("demo failed verification".into());
    }
    eprintln!("demo complete: the URL above was valid while the emulator ran");
    Ok(())
}

/// Reads `url` with a plain GET (no credentials: everything is in the URL) and returns the
/// CRC-64 of the body.
async fn crc_through_url(url: &str) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let mut response = reqwest::get(url).await?.error_for_status()?;
    let mut crc = ossdirect::crc64::Crc64::new();
    while let Some(piece) = response.chunk().await? {
        crc.update(&piece);
    }
    Ok(crc.finish())
}
