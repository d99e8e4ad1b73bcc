//! `ossdirect sign` and `ossdirect presign`: the signing code of the SDK, on the command line.

use chrono::{DateTime, Utc};
use clap::Args;
use ossdirect::sign::{v1, v4, QueryParam, RequestToSign, SignatureVersion};
use ossdirect::{Addressing, Credentials, Endpoint};
use serde_json::{json, Map, Value};

use super::CliResult;
use crate::args::{parse_header, parse_oss_url, parse_query};

/// The request being described.
#[derive(Args, Debug)]
pub struct RequestArgs {
    /// `oss://BUCKET/KEY` (the key raw: spaces, `?`, `#`, `%`, unicode kept); `oss://BUCKET` for the bucket.
    #[arg(value_parser = parse_oss_url)]
    target: crate::args::OssUrl,
    /// Query parameter: `K=V`, `K=` (empty) or `K` (valueless). Repeatable.
    #[arg(long = "query", value_parser = parse_query, allow_hyphen_values = true)]
    query: Vec<QueryParam>,
    /// Request header `Name: value`. Repeatable.
    #[arg(long = "header", value_parser = parse_header, allow_hyphen_values = true)]
    header: Vec<(String, String)>,
}

/// Credentials, region, time and algorithm.
#[derive(Args, Debug)]
pub struct SigningArgs {
    /// AccessKeyId.
    #[arg(long, env = "OSS_ACCESS_KEY_ID", allow_hyphen_values = true)]
    access_key_id: String,
    /// AccessKeySecret.
    #[arg(
        long,
        env = "OSS_ACCESS_KEY_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    access_key_secret: String,
    /// STS security token.
    #[arg(
        long,
        env = "OSS_SESSION_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    security_token: Option<String>,
    /// Region of the V4 scope, e.g. cn-hangzhou.
    #[arg(long, default_value = "cn-hangzhou", allow_hyphen_values = true)]
    region: String,
    /// Signing time, RFC 3339 (default: now).
    #[arg(long, allow_hyphen_values = true)]
    time: Option<String>,
    /// v1 or v4.
    #[arg(long, default_value = "v4")]
    signature_version: SignatureVersion,
    /// V4: a further header to sign (AdditionalHeaders). Repeatable.
    #[arg(long = "additional-header", allow_hyphen_values = true)]
    additional_header: Vec<String>,
    /// V1: a further query key to sign as a sub-resource. Repeatable.
    #[arg(long = "sub-resource", allow_hyphen_values = true)]
    sub_resource: Vec<String>,
}

/// Arguments of `ossdirect sign`.
#[derive(Args, Debug)]
pub struct SignArgs {
    #[command(flatten)]
    request: RequestArgs,
    /// HTTP method.
    #[arg(long, allow_hyphen_values = true)]
    method: String,
    #[command(flatten)]
    signing: SigningArgs,
    /// Print one JSON object (authorization, string_to_sign, canonical_request, headers).
    #[arg(long)]
    json: bool,
}

/// Arguments of `ossdirect presign`.
#[derive(Args, Debug)]
pub struct PresignArgs {
    #[command(flatten)]
    request: RequestArgs,
    /// HTTP method.
    #[arg(long, default_value = "GET", allow_hyphen_values = true)]
    method: String,
    #[command(flatten)]
    signing: SigningArgs,
    /// Lifetime in seconds (V4: at most 604800).
    #[arg(long)]
    expires_in: u64,
    /// Endpoint URL the link points at (default: the region's public endpoint).
    #[arg(long, allow_hyphen_values = true)]
    endpoint: Option<String>,
    /// Use path-style URLs (`host/bucket/key`); IP endpoints always do.
    #[arg(long)]
    path_style: bool,
    /// Print one JSON object (url, query as decoded [name, value] pairs).
    #[arg(long)]
    json: bool,
}

impl SigningArgs {
    fn credentials(&self) -> Credentials {
        Credentials::new(&self.access_key_id, &self.access_key_secret)
            .with_security_token(self.security_token.clone())
    }

    fn time(&self) -> Result<DateTime<Utc>, String> {
        match &self.time {
            None => Ok(Utc::now()),
            Some(t) => DateTime::parse_from_rfc3339(t)
                .map(|t| t.to_utc())
                .map_err(|e| format!("--time {t:?} is not RFC 3339: {e}")),
        }
    }
}

fn to_sign(method: &str, request: &RequestArgs) -> RequestToSign {
    let mut req = RequestToSign::new(
        method,
        Some(&request.target.bucket),
        request.target.key.as_deref(),
    );
    req.query = request.query.clone();
    req.headers = request.header.clone();
    req
}

/// Signs the described request in its headers and prints the result.
pub fn sign(a: SignArgs) -> CliResult {
    let time = a.signing.time()?;
    let credentials = a.signing.credentials();
    let mut req = to_sign(&a.method, &a.request);
    let signature = match a.signing.signature_version {
        SignatureVersion::V1 => {
            v1::sign_headers(&mut req, &credentials, time, &a.signing.sub_resource)
        }
        SignatureVersion::V4 => v4::sign_headers(
            &mut req,
            &credentials,
            &a.signing.region,
            time,
            &a.signing.additional_header,
            None,
        ),
    };
    if a.json {
        let headers: Map<String, Value> = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        println!(
            "{}",
            json!({
                "authorization": signature.authorization,
                "string_to_sign": signature.string_to_sign,
                "canonical_request": signature.canonical_request,
                "headers": headers,
            })
        );
    } else {
        println!("{}", signature.authorization);
        println!("\nstring to sign:\n{}", signature.string_to_sign);
        if let Some(c) = signature.canonical_request {
            println!("\ncanonical request:\n{c}");
        }
    }
    Ok(())
}

/// Presigns the described request and prints the URL.
pub fn presign(a: PresignArgs) -> CliResult {
    let time = a.signing.time()?;
    let credentials = a.signing.credentials();
    let req = to_sign(&a.method, &a.request);
    let signed = match a.signing.signature_version {
        SignatureVersion::V1 => {
            let expires_at = time.timestamp() + i64::try_from(a.expires_in)?;
            v1::presign(&req, &credentials, expires_at, &a.signing.sub_resource)
        }
        SignatureVersion::V4 => {
            if a.expires_in > ossdirect::sign::V4_MAX_PRESIGN_SECONDS {
                return Err("V4 presigned URLs last at most 604800 s (7 days)".into());
            }
            v4::presign(
                &req,
                &credentials,
                &a.signing.region,
                time,
                a.expires_in,
                &a.signing.additional_header,
            )
        }
    };
    let endpoint = match &a.endpoint {
        Some(e) => Endpoint::parse(e)?,
        None => Endpoint::from_region(&a.signing.region)?,
    };
    let query = ossdirect::sign::presigned_query(&req.query, &signed);
    let addressing = if a.path_style {
        Addressing::PathStyle
    } else {
        Addressing::Auto
    };
    let url = endpoint.url_for(
        addressing,
        req.bucket.as_deref(),
        req.key.as_deref(),
        &query,
    );
    if a.json {
        let pairs: Vec<Value> = query.iter().map(|(k, v)| json!([k, v])).collect();
        println!("{}", json!({ "url": url, "query": pairs }));
    } else {
        println!("{url}");
    }
    Ok(())
}
