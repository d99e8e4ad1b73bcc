//! What the three example programs share: a client whose credentials come from the app server's
//! token endpoint (the mobile pattern: no AccessKey on the device), configured from the
//! environment.
//!
//! | variable | meaning |
//! |---|---|
//! | `OSS_ENDPOINT` | e.g. `https://oss-cn-hangzhou.aliyuncs.com` (or the emulator's URL) |
//! | `OSS_REGION` | e.g. `cn-hangzhou` |
//! | `OSS_BUCKET` | the bucket |
//! | `TOKEN_URL` | the token vending server's `/sts-token` |
//! | `TOKEN_BEARER` | the app user's bearer token for it (optional) |

use std::sync::Arc;
use std::time::Duration;

use ossdirect::credentials::{RefreshingProvider, TokenEndpointFetcher};
use ossdirect::{Client, Endpoint, Error, Result};

/// The settings the examples read from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// OSS endpoint URL.
    pub endpoint: String,
    /// Region id.
    pub region: String,
    /// Bucket.
    pub bucket: String,
    /// Token endpoint URL.
    pub token_url: String,
    /// Bearer token for the token endpoint, if it wants one.
    pub bearer: Option<String>,
}

impl Settings {
    /// Reads the settings; a missing variable is an [`Error::InvalidArgument`] naming it.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| Error::InvalidArgument(format!("set {name}")))
        };
        Ok(Self {
            endpoint: var("OSS_ENDPOINT")?,
            region: var("OSS_REGION")?,
            bucket: var("OSS_BUCKET")?,
            token_url: var("TOKEN_URL")?,
            bearer: std::env::var("TOKEN_BEARER").ok(),
        })
    }

    /// A client whose STS credentials come from the token endpoint, cached and refreshed before
    /// they expire.
    pub fn client(&self) -> Result<Client> {
        let headers = self
            .bearer
            .iter()
            .map(|b| ("Authorization".to_owned(), format!("Bearer {b}")))
            .collect();
        let fetcher = TokenEndpointFetcher::with_options(
            self.token_url.clone(),
            ossdirect::client::Method::GET,
            headers,
            Duration::from_secs(10),
        )?;
        let provider = RefreshingProvider::new(Arc::new(fetcher));
        Client::builder(&self.region)
            .endpoint(Endpoint::parse(&self.endpoint)?)
            .credentials_provider(Arc::new(provider))
            .build()
    }
}

/// A one-line progress report: `label: 12.5 / 48.0 MiB (26%)`.
pub fn progress_line(label: &str, done: u64, total: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "{label}: {:.1} / {:.1} MiB ({percent}%)",
        done as f64 / MIB,
        total as f64 / MIB
    )
}
