//! Running the server: in-process (tests, `ossdirect dev`) or from the binary.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use ossdirect::Credentials;
use ossdirect_serve::{ConnectionEvents, ConnectionLimits};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::Authenticator;
use crate::caller::caller_credentials_from_env;
use crate::config::{ConfigError, ServerConfig};
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::policy::PolicyTemplate;
use crate::rate_limit::UserRateLimiter;
use crate::routes;
use crate::signing::SigningRules;
use crate::state::AppState;
use crate::vend::Vendor;

/// How often idle rate-limit buckets and expired cache entries are dropped.
const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(60);

/// A configured token vending server, ready to serve.
#[derive(Debug)]
pub struct Server {
    state: Arc<AppState>,
    listen: SocketAddr,
    anonymous_user: Option<String>,
    limits: ConnectionLimits,
}

impl Server {
    /// Validates `config`, loads the files it names, and prepares to call STS as `caller`
    /// (the RAM user's AccessKey; for tests and `ossdirect dev`, e.g. the emulator's).
    pub fn new(config: ServerConfig, caller: Credentials) -> Result<Self, ServerError> {
        config.validate()?;
        tracing::info!(
            sts = %config.sts_endpoint().unwrap_or_default(),
            role_arn = %config.sts.role_arn,
            bucket = %config.policy.bucket,
            prefix = %config.policy.prefix,
            actions = %config.policy.actions.join(","),
            static_tokens = config.auth.tokens.len(),
            tokens_file = %config
                .auth
                .tokens_file
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            jwt = config.auth.jwt.is_some(),
            signing = config.signing.enabled,
            "token vending server configured"
        );
        let metrics = Arc::new(Metrics::new());
        let auth = Authenticator::new(&config.auth)?;
        let policy = PolicyTemplate::new(&config.policy)?;
        let vendor = Vendor::new(&config, caller, metrics.clone()).map_err(ServerError::Sts)?;
        let signing = config.signing.enabled.then(|| SigningRules {
            region: config.signing.region.clone().unwrap_or_default(),
            max_skew: chrono::Duration::seconds(
                i64::try_from(config.signing.max_skew_seconds).unwrap_or(i64::MAX),
            ),
        });
        let state = AppState {
            auth,
            policy,
            vendor,
            limiter: UserRateLimiter::new(&config.rate_limit),
            metrics,
            signing,
        };
        Ok(Self {
            state: Arc::new(state),
            listen: config.listen,
            anonymous_user: config.auth.allow_anonymous_user.clone(),
            limits: config.connections,
        })
    }

    /// As [`Server::new`], with the caller's AccessKey from `ALIBABA_CLOUD_ACCESS_KEY_ID` and
    /// `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (what the binary uses).
    pub fn from_env(config: ServerConfig) -> Result<Self, ServerError> {
        Self::new(config, caller_credentials_from_env()?)
    }

    /// The configured listen address.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// The routes, to embed in another axum application.
    pub fn router(&self) -> Router {
        routes::router(self.state.clone())
    }

    /// Refuses a non-loopback listener when anonymous users are allowed.
    fn check_listener(&self, addr: SocketAddr) -> Result<(), ServerError> {
        if self.anonymous_user.is_some() && !addr.ip().is_loopback() {
            return Err(ConfigError::single(format!(
                "auth.allow_anonymous_user: refusing to serve anonymous users on {addr} \
                 (loopback only)"
            ))
            .into());
        }
        Ok(())
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    /// Connections are bounded by the configuration's `connections` limits.
    pub async fn serve<F>(self, listener: TcpListener, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        self.check_listener(addr)?;
        if let Some(user) = &self.anonymous_user {
            tracing::warn!(user = %user, "requests without credentials are served as this user");
        }
        let housekeeping = tokio::spawn(housekeep(self.state.clone()));
        tracing::info!(%addr, "token vending server listening");
        let events: Arc<dyn ConnectionEvents> = self.state.metrics.clone();
        ossdirect_serve::serve(listener, self.router(), self.limits, events, shutdown, None).await;
        housekeeping.abort();
        tracing::info!(%addr, "token vending server stopped");
        Ok(())
    }

    /// Binds the configured address and serves in a background task.
    pub async fn start(self) -> Result<RunningServer, ServerError> {
        let addr = self.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        self.start_on(listener)
    }

    /// Serves on `listener` in a background task.
    pub fn start_on(self, listener: TcpListener) -> Result<RunningServer, ServerError> {
        let addr = listener.local_addr()?;
        self.check_listener(addr)?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(self.serve(listener, async {
            // A dropped sender means shut down as well.
            let _ = rx.await;
        }));
        Ok(RunningServer {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

async fn housekeep(state: Arc<AppState>) {
    loop {
        tokio::time::sleep(HOUSEKEEPING_PERIOD).await;
        state.limiter.purge();
        state.vendor.cache().run_pending_tasks().await;
    }
}

/// A server running in a background task; dropping it shuts the server down.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServerError>>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, e.g. `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, finishes the requests in flight and waits for the end.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| ServerError::Io(std::io::Error::other(e.to_string())))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
