//! The ffi layer measured against core directly (`cargo xtask bench ffi`).
//!
//! - `ffi_bench transfer --via core|ffi --op upload|download --endpoint URL --region R --bucket B
//!   --key K --file PATH [--part-size N] [--parallel N]`: one transfer, through `Client::upload` /
//!   `Client::download` (`core`) or `OssClient::start_upload` / `start_download` and
//!   `Transfer::result` (`ffi`), each with a progress receiver as an app has. Credentials come from
//!   `OSS_ACCESS_KEY_ID` / `OSS_ACCESS_KEY_SECRET`. `bench/transfer.py --tools core,ffi` times these
//!   (wall, CPU, peak RSS) in separate processes, alternating.
//! - `ffi_bench calls [--rounds N]`: the per-call cost of a small operation (presign; HEAD against
//!   an in-process emulator) through the exported C functions — lowering, the Rust-future poll
//!   protocol with a continuation callback, lifting, as the Kotlin and Swift bindings drive them —
//!   against calling core directly.

mod c_abi;
mod calls;
mod transfer;

use std::collections::HashMap;
use std::sync::Arc;

use ossdirect::{Client, Credentials, Endpoint, StaticProvider};
use ossdirect_ffi::{ClientConfig, CredentialsSource, OssClient};

/// What went wrong, for the exit message.
type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Fallible<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let options = parse_flags(args)?;
    match command.as_str() {
        "transfer" => transfer::run(&options),
        "calls" => calls::run(&options),
        _ => Err("usage: ffi_bench transfer|calls [--flag value ...] (see the file's docs)".into()),
    }
}

/// `--name value` pairs.
fn parse_flags(mut args: impl Iterator<Item = String>) -> Fallible<HashMap<String, String>> {
    let mut flags = HashMap::new();
    while let Some(name) = args.next() {
        let Some(name) = name.strip_prefix("--") else {
            return Err(format!("expected --flag, got {name:?}").into());
        };
        let value = args
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        flags.insert(name.to_owned(), value);
    }
    Ok(flags)
}

/// A required flag.
fn flag<'a>(flags: &'a HashMap<String, String>, name: &str) -> Fallible<&'a str> {
    flags
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| format!("--{name} is required").into())
}

/// A numeric flag with a default.
fn number(flags: &HashMap<String, String>, name: &str, default: u64) -> Fallible<u64> {
    match flags.get(name) {
        Some(v) => Ok(v
            .parse()
            .map_err(|_| format!("--{name}: not a number: {v}"))?),
        None => Ok(default),
    }
}

/// Where the clients talk to, and with which key.
struct Target<'a> {
    endpoint: &'a str,
    region: &'a str,
    key_id: &'a str,
    secret: &'a str,
}

impl Target<'_> {
    /// A core client and the one-worker runtime it runs on (the ffi layer's size).
    fn core(&self) -> Fallible<(Client, tokio::runtime::Runtime)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let client = Client::builder(self.region)
            .endpoint(Endpoint::parse(self.endpoint)?)
            .credentials_provider(Arc::new(StaticProvider::new(Credentials::new(
                self.key_id,
                self.secret,
            ))))
            .build()?;
        Ok((client, runtime))
    }

    /// The same client through the ffi surface (core's defaults, no checkpoints).
    fn ffi(&self) -> Fallible<Arc<OssClient>> {
        let config = ClientConfig {
            region: self.region.to_owned(),
            endpoint: Some(self.endpoint.to_owned()),
            addressing: None,
            signature_version: None,
            connect_timeout_ms: 10_000,
            read_timeout_ms: 60_000,
            retry_attempts: 3,
            user_agent_suffix: None,
            checkpoint_dir: None,
        };
        let credentials = CredentialsSource::static_credentials(
            self.key_id.to_owned(),
            self.secret.to_owned(),
            None,
        );
        Ok(OssClient::new(config, credentials)?)
    }
}
