//! `ossdirect dev`: the emulator and the token vending server together on loopback — the whole
//! token-vending-machine setup for developing an app, in one command.

use std::net::SocketAddr;
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
    /// Starts both on loopback. Demo users may put, get, list parts and abort under
    /// `users/<user>/` of the emulator's bucket.
    pub async fn start(
        listen_oss: SocketAddr,
        listen_token: SocketAddr,
        data_dir: Option<PathBuf>,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let (data_dir, temp) = match data_dir {
            Some(d) => (d, None),
            None => {
                let t = tempfile::tempdir()?;
                (t.path().join("emulator-data"), Some(t))
            }
        };
        let emulator = Emulator::start(EmulatorOptions {
            listen: listen_oss,
            data_dir,
            ..EmulatorOptions::default()
        })
        .await?;
        let info = emulator.info().clone();
        let mut config = ServerConfig::new(&info.sts_endpoint, &info.role_arn, &info.bucket);
        config.listen = listen_token;
        config.policy.actions = [
            "oss:PutObject",
            "oss:GetObject",
            "oss:ListParts",
            "oss:AbortMultipartUpload",
        ]
        .map(str::to_owned)
        .to_vec();
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

    /// The ready line: every field of the emulator's, plus `token_url` and `users`.
    pub fn ready_json(&self) -> Result<Value, serde_json::Error> {
        let mut v = serde_json::to_value(self.emulator.info())?;
        if let Value::Object(map) = &mut v {
            map.insert("token_url".into(), Value::String(self.token_url()));
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
    let stack = DevStack::start(a.listen_oss, a.listen_token, a.data_dir).await?;
    println!("{}", stack.ready_json()?);
    let info = stack.emulator.info();
    let (user, token) = &stack.users[0];
    eprintln!(
        "\nossdirect dev is running (Ctrl-C to stop)\n\
         \n  OSS endpoint   {oss}\n  STS endpoint   {sts}\n  bucket         {bucket}\n  token URL      {url}\n\
         \nEach demo user may put, get, list parts and abort under users/<user>/ of the bucket:\n{users}\n\
         \nTry it:\n  ossdirect upload FILE oss://{bucket}/users/{user}/FILE --endpoint {oss} \\\n    \
         --token-url {url} --token-header 'Authorization: Bearer {token}'\n\
         \nAndroid/iOS: point OSSAuthCredentialsProvider / OSSAuthCredentialProvider at the token URL\n\
         (send the bearer token), and the OSS client at the OSS endpoint.\n",
        oss = info.oss_endpoint,
        sts = info.sts_endpoint,
        bucket = info.bucket,
        url = stack.token_url(),
        users = stack
            .users
            .iter()
            .map(|(u, t)| format!("  {u:<8} Authorization: Bearer {t}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    wait_for_shutdown_signal().await;
    stack.shutdown().await;
    Ok(())
}
