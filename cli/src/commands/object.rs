//! `ossdirect put | get | head | rm`: single-request object operations.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use ossdirect::client::Method;
use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::{
    Addressing, Client, Credentials, CredentialsProvider, Endpoint, GetObjectOptions,
    PutObjectOptions, SignatureVersion, StaticProvider,
};

use super::CliResult;
use crate::args::{parse_oss_url, OssUrl};

/// Where to connect and with which credentials.
#[derive(Args, Debug)]
pub struct ConnectionArgs {
    /// Endpoint URL with scheme, e.g. http://127.0.0.1:9000 (default: the region's public endpoint).
    #[arg(long, env = "OSS_ENDPOINT", allow_hyphen_values = true)]
    endpoint: Option<String>,
    /// Region, e.g. cn-hangzhou.
    #[arg(
        long,
        env = "OSS_REGION",
        default_value = "cn-hangzhou",
        allow_hyphen_values = true
    )]
    region: String,
    /// v1 or v4.
    #[arg(long, default_value = "v4")]
    signature_version: SignatureVersion,
    /// Use path-style URLs (`host/bucket/key`); IP endpoints always do.
    #[arg(long)]
    path_style: bool,
    /// AccessKeyId (or OSS_ACCESS_KEY_ID).
    #[arg(long, env = "OSS_ACCESS_KEY_ID", allow_hyphen_values = true)]
    access_key_id: Option<String>,
    /// AccessKeySecret (or OSS_ACCESS_KEY_SECRET).
    #[arg(
        long,
        env = "OSS_ACCESS_KEY_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    access_key_secret: Option<String>,
    /// STS security token (or OSS_SESSION_TOKEN).
    #[arg(
        long,
        env = "OSS_SESSION_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    security_token: Option<String>,
    /// Get (and keep refreshing) STS credentials from this app-server URL instead.
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["access_key_id", "access_key_secret", "security_token"])]
    token_url: Option<String>,
    /// A header sent to the token URL, e.g. 'Authorization: Bearer ...'. Repeatable.
    #[arg(long = "token-header", value_parser = crate::args::parse_header, allow_hyphen_values = true)]
    token_header: Vec<(String, String)>,
}

impl ConnectionArgs {
    /// Builds a client from the flags.
    pub fn client(&self) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
        let provider = self.provider()?;
        let endpoint = match &self.endpoint {
            Some(e) => Endpoint::parse(e)?,
            None => Endpoint::from_region(&self.region)?,
        };
        let addressing = if self.path_style {
            Addressing::PathStyle
        } else {
            Addressing::Auto
        };
        Ok(Client::builder(&self.region)
            .endpoint(endpoint)
            .addressing(addressing)
            .signature_version(self.signature_version)
            .credentials_provider(provider)
            .build()?)
    }

    fn provider(
        &self,
    ) -> Result<Arc<dyn CredentialsProvider>, Box<dyn std::error::Error + Send + Sync>> {
        if let Some(url) = &self.token_url {
            let fetcher = TokenEndpointFetcher::with_options(
                url,
                Method::GET,
                self.token_header.clone(),
                Duration::from_secs(10),
            )?;
            return Ok(Arc::new(RefreshingProvider::new(Arc::new(fetcher))));
        }
        let (Some(id), Some(secret)) = (&self.access_key_id, &self.access_key_secret) else {
            return Err(
                "credentials needed: --access-key-id and --access-key-secret \
                        (or OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET), or --token-url"
                    .into(),
            );
        };
        let credentials =
            Credentials::new(id, secret).with_security_token(self.security_token.clone());
        Ok(Arc::new(StaticProvider::new(credentials)))
    }
}

/// `oss://BUCKET/KEY` that must name an object.
pub fn object(target: &OssUrl) -> Result<(&str, &str), String> {
    match &target.key {
        Some(k) => Ok((&target.bucket, k)),
        None => Err(format!(
            "oss://{}/ names a bucket; an object key is needed",
            target.bucket
        )),
    }
}

/// Arguments of `ossdirect put`.
#[derive(Args, Debug)]
pub struct PutArgs {
    /// The local file.
    file: PathBuf,
    /// `oss://BUCKET/KEY`.
    #[arg(value_parser = parse_oss_url)]
    target: OssUrl,
    /// Content-Type of the object.
    #[arg(long, allow_hyphen_values = true)]
    content_type: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Arguments of `ossdirect get`.
#[derive(Args, Debug)]
pub struct GetArgs {
    /// `oss://BUCKET/KEY`.
    #[arg(value_parser = parse_oss_url)]
    target: OssUrl,
    /// The local file to write.
    file: PathBuf,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Arguments of `ossdirect head` and `ossdirect rm`.
#[derive(Args, Debug)]
pub struct TargetArgs {
    /// `oss://BUCKET/KEY`.
    #[arg(value_parser = parse_oss_url)]
    target: OssUrl,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Uploads a file with one PutObject.
pub async fn put(a: PutArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    let client = a.connection.client()?;
    let body = tokio::fs::read(&a.file)
        .await
        .map_err(|e| format!("cannot read {}: {e}", a.file.display()))?;
    let options = PutObjectOptions {
        content_type: a.content_type,
        ..Default::default()
    };
    let out = client.put_object(bucket, key, body, &options).await?;
    println!("etag: {}", out.etag);
    if let Some(crc) = out.crc64 {
        println!("crc64ecma: {crc}");
    }
    Ok(())
}

/// Downloads an object into a file (written beside it, then renamed).
pub async fn get(a: GetArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    let client = a.connection.client()?;
    let out = client
        .get_object(bucket, key, &GetObjectOptions::default())
        .await?;
    let file_name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = a
        .file
        .with_file_name(format!(".{file_name}.ossdirect-partial"));
    tokio::fs::write(&partial, &out.body)
        .await
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    tokio::fs::rename(&partial, &a.file).await?;
    println!("{} bytes, etag {}", out.body.len(), out.meta.etag);
    Ok(())
}

/// Prints an object's metadata as JSON.
pub async fn head(a: TargetArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    let client = a.connection.client()?;
    let m = client
        .head_object(bucket, key, &GetObjectOptions::default())
        .await?;
    let metadata: serde_json::Map<String, serde_json::Value> = m
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "content_length": m.content_length,
            "etag": m.etag,
            "last_modified": m.last_modified,
            "content_type": m.content_type,
            "object_type": m.object_type,
            "crc64ecma": m.crc64.map(|c| c.to_string()),
            "metadata": metadata,
        })
    );
    Ok(())
}

/// Deletes an object.
pub async fn rm(a: TargetArgs) -> CliResult {
    let (bucket, key) = object(&a.target)?;
    a.connection.client()?.delete_object(bucket, key).await?;
    Ok(())
}
