//! `ossdirect dev`: the emulator and the token vending server together on loopback — the whole
//! token-vending-machine setup for developing an app, in one command.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Args;
use ossdirect::Credentials;
use ossdirect_emulator::{Emulator, EmulatorOptions};
use ossdirect_server::{new_bearer_token, RunningServer, Server, ServerConfig, TokenEntry};
use serde_json::{json, Value};

use super::emulator::wait_for_shutdown_signal;
use super::CliResult;

/// The demo users `ossdirect dev` creates.
pub const DEV_USERS: [&str; 2] = ["alice", "bob"];

/// What each demo user may do under `users/<user>/` (listing: with a prefix inside it).
pub const DEV_ACTIONS: [&str; 6] = [
    "oss:PutObject",
    "oss:GetObject",
    "oss:DeleteObject",
    "oss:ListObjects",
    "oss:ListParts",
    "oss:AbortMultipartUpload",
];

/// Arguments of `ossdirect dev`.
#[derive(Args, Debug)]
pub struct DevArgs {
    /// Address of the emulator's OSS listener.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen_oss: SocketAddr,
    /// Address of the token server.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen_token: SocketAddr,
    /// Where the emulator keeps its data (default: a temporary directory removed on exit).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Test control: STS credentials expire after at most this many seconds (so they expire
    /// mid-transfer and the app must refresh them); needs a loopback --listen-oss.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    sts_max_lifetime: Option<u64>,
}

/// How a [`DevStack`] is started.
#[derive(Clone, Debug)]
pub struct DevOptions {
    /// The emulator's OSS listener (its STS listener takes a free port on the same IP).
    pub listen_oss: SocketAddr,
    /// The token server's listener.
    pub listen_token: SocketAddr,
    /// The emulator's data directory; `None` = a temporary directory removed with the stack.
    pub data_dir: Option<PathBuf>,
    /// The emulator's `sts_max_lifetime` test control: credentials live at most this long.
    pub sts_max_lifetime: Option<u64>,
}

impl Default for DevOptions {
    /// Both listeners on `127.0.0.1:0`, a temporary data directory, full-length credentials.
    fn default() -> Self {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Self {
            listen_oss: any,
            listen_token: any,
            data_dir: None,
            sts_max_lifetime: None,
        }
    }
}

/// The token server's cache margin for credentials living `lifetime` seconds: a quarter of it
/// (at most the default), so the server still hands such credentials out and fetches new ones
/// shortly before they expire.
fn refresh_margin(lifetime: u64, default: u64) -> u64 {
    (lifetime / 4).min(default)
}

/// The emulator plus a token server vending its STS credentials to demo users.
pub struct DevStack {
    /// The emulator.
    pub emulator: Emulator,
    /// The token server.
    pub server: RunningServer,
    /// `(user, bearer token)` of each demo user.
    pub users: Vec<(String, String)>,
    _temp: Option<tempfile::TempDir>,
}

impl DevStack {
    /// Starts both on loopback. Demo users may do [`DEV_ACTIONS`] under `users/<user>/` of the
    /// emulator's bucket, with credentials from `/sts-token` or signatures from `/sign`.
    pub async fn start(
        options: DevOptions,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let (data_dir, temp) = match options.data_dir {
            Some(d) => (d, None),
            None => {
                let t = tempfile::tempdir()?;
                (t.path().join("emulator-data"), Some(t))
            }
        };
        let emulator = Emulator::start(EmulatorOptions {
            listen: options.listen_oss,
            data_dir,
            sts_max_lifetime: options.sts_max_lifetime,
            ..EmulatorOptions::default()
        })
        .await?;
        let info = emulator.info().clone();
        let mut config = ServerConfig::new(&info.sts_endpoint, &info.role_arn, &info.bucket);
        config.listen = options.listen_token;
        config.policy.actions = DEV_ACTIONS.map(str::to_owned).to_vec();
        config.signing.enabled = true;
        config.signing.region = Some(info.region.clone());
        if let Some(lifetime) = options.sts_max_lifetime {
            config.cache.refresh_margin_seconds =
                refresh_margin(lifetime, config.cache.refresh_margin_seconds);
        }
        let users: Vec<(String, String)> = DEV_USERS
            .iter()
            .map(|u| (u.to_string(), new_bearer_token()))
            .collect();
        config.auth.tokens = users
            .iter()
            .map(|(u, t)| TokenEntry::new(u.clone(), t.clone()))
            .collect();
        let caller = Credentials::new(&info.access_key_id, &info.access_key_secret);
        let server = match Server::new(config, caller) {
            Ok(s) => s.start().await,
            Err(e) => Err(e),
        };
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                emulator.shutdown().await;
                return Err(e.into());
            }
        };
        Ok(Self {
            emulator,
            server,
            users,
            _temp: temp,
        })
    }

    /// The URL of the token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}/sts-token", self.server.url())
    }

    /// The URL of the remote-signing endpoint.
    pub fn sign_url(&self) -> String {
        format!("{}/sign", self.server.url())
    }

    /// The ready line: every field of the emulator's, plus `token_url`, `sign_url` and `users`.
    pub fn ready_json(&self) -> Result<Value, serde_json::Error> {
        let mut v = serde_json::to_value(self.emulator.info())?;
        if let Value::Object(map) = &mut v {
            map.insert("token_url".into(), Value::String(self.token_url()));
            map.insert("sign_url".into(), Value::String(self.sign_url()));
            map.insert(
                "users".into(),
                Value::Array(
                    self.users
                        .iter()
                        .map(|(u, t)| json!({ "user": u, "bearer_token": t }))
                        .collect(),
                ),
            );
        }
        Ok(v)
    }

    /// Stops the server, then the emulator.
    pub async fn shutdown(self) {
        if let Err(e) = self.server.shutdown().await {
            tracing::warn!(%e, "token server did not stop cleanly");
        }
        self.emulator.shutdown().await;
    }
}

/// Runs the stack until Ctrl-C or SIGTERM.
pub async fn run(a: DevArgs) -> CliResult {
    let stack = DevStack::start(DevOptions {
        listen_oss: a.listen_oss,
        listen_token: a.listen_token,
        data_dir: a.data_dir,
        sts_max_lifetime: a.sts_max_lifetime,
    })
    .await?;
    println!("{}", stack.ready_json()?);
    eprintln!("{}", guide(&stack, a.sts_max_lifetime));
    wait_for_shutdown_signal().await;
    stack.shutdown().await;
    Ok(())
}

/// The guide printed on stderr once the stack is ready.
fn guide(stack: &DevStack, sts_max_lifetime: Option<u64>) -> String {
    let info = stack.emulator.info();
    let (user, token) = stack
        .users
        .first()
        .map(|(u, t)| (u.as_str(), t.as_str()))
        .unwrap_or_default();
    let lifetime = match sts_max_lifetime {
        Some(s) => format!(
            "\nSTS credentials expire after {s} s (--sts-max-lifetime): apps must refresh them.\n"
        ),
        None => String::new(),
    };
    format!(
        "\nossdirect dev is running (Ctrl-C to stop)\n\
         \n  OSS endpoint   {oss}\n  STS endpoint   {sts}\n  bucket         {bucket}\n  token URL      {url}\n  sign URL       {sign}\n\
         \nEach demo user may put, get, delete, list parts and abort under users/<user>/ of the bucket,\n\
         and list with a prefix inside it (not the whole bucket, not another user's prefix):\n{users}\n{lifetime}\
         \nTry it:\n  ossdirect upload FILE oss://{bucket}/users/{user}/FILE --endpoint {oss} \\\n    \
         --token-url {url} --token-header 'Authorization: Bearer {token}'\n\
         \nAndroid/iOS: CredentialsSource.tokenEndpoint(token URL) or .signingEndpoint(sign URL), with the\n\
         header 'Authorization: Bearer <token>', and the OSS client at the OSS endpoint.\n",
        oss = info.oss_endpoint,
        sts = info.sts_endpoint,
        bucket = info.bucket,
        url = stack.token_url(),
        sign = stack.sign_url(),
        users = stack
            .users
            .iter()
            .map(|(u, t)| format!("  {u:<8} Authorization: Bearer {t}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lived_credentials_get_a_margin_the_server_can_serve() {
        assert_eq!(refresh_margin(4, 300), 1);
        assert_eq!(refresh_margin(3, 300), 0);
        assert_eq!(refresh_margin(60, 300), 15);
        assert_eq!(refresh_margin(7200, 300), 300);
    }
}
