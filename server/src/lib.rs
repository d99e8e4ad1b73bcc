//! # ossdirect-server
//!
//! The token vending server: app users authenticate (static bearer tokens, JWT HS256/RS256),
//! and get short-lived STS credentials whose session policy confines them to their own prefix
//! (`users/<user>/` by default) — in the JSON the official Android and iOS SDKs read. An
//! optional `POST /sign` signs requests for devices that never hold a secret, after checking
//! them against the same policy.
//!
//! - `GET /sts-token` (also `/get_sts_token`): `{"StatusCode":200,"AccessKeyId",
//!   "AccessKeySecret","SecurityToken","Expiration"}`; errors
//!   `{"StatusCode","ErrorCode","ErrorMessage"}` with 401, 403, 429 or 502.
//! - `POST /sign`: see [`signing`].
//! - `GET /healthz`, `GET /metrics` (Prometheus).
//!
//! Credentials are cached per (user, policy) until the refresh margin, and concurrent requests
//! of one user share one `AssumeRole` call. Each user is rate limited.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ossdirect_server::ServerError> {
//! use ossdirect_server::{Server, ServerConfig, TokenEntry};
//! use ossdirect::Credentials;
//!
//! let mut config = ServerConfig::new(
//!     "http://127.0.0.1:9001",
//!     "acs:ram::1234567890123456:role/app-upload",
//!     "my-bucket",
//! );
//! config.auth.tokens.push(TokenEntry::new("alice", ossdirect_server::new_bearer_token()));
//! let running = Server::new(config, Credentials::new("LTAI...", "secret"))?.start().await?;
//! println!("GET {}/sts-token", running.url());
//! running.shutdown().await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod action;
pub mod api_error;
pub mod auth;
mod caller;
pub mod config;
mod error;
pub mod metrics;
pub mod policy;
pub mod rate_limit;
mod routes;
mod server;
pub mod signing;
mod state;
pub mod user;
pub mod vend;
pub mod wire;

pub use auth::{new_bearer_token, token_sha256_hex};
pub use caller::{
    caller_credentials_from, caller_credentials_from_env, ACCESS_KEY_ID_VAR, ACCESS_KEY_SECRET_VAR,
    SECURITY_TOKEN_VAR,
};
pub use config::{ConfigError, ServerConfig, TokenEntry};
pub use error::ServerError;
pub use server::{RunningServer, Server};
pub use signing::{SignRequest, SignResponse};
pub use user::UserId;
pub use wire::TokenResponse;
