//! `ossdirect-server`: the token vending server binary.
//!
//! ```text
//! ossdirect-server [--config server.toml] [--log-format text|json]   serve
//! ossdirect-server check-config [--config server.toml]                validate and exit
//! ossdirect-server new-token --user alice                             a token + its tokens-file entry
//! ossdirect-server hash-token < token.txt                             the sha256 of a token
//! ```

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ossdirect_server::{new_bearer_token, token_sha256_hex, Server, ServerConfig, UserId};
use tracing_subscriber::EnvFilter;

/// The token vending server: per-user STS credentials for direct uploads to OSS.
#[derive(Parser, Debug)]
#[command(name = "ossdirect-server", version)]
struct Cli {
    /// The TOML configuration file (environment variables OSSDIRECT_* override it).
    #[arg(long, short, env = "OSSDIRECT_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "OSSDIRECT_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the configuration (and the files it names) and exit.
    CheckConfig,
    /// Print a new random bearer token and the tokens-file entry (with its SHA-256) for it.
    NewToken {
        /// The user id the token stands for.
        #[arg(long)]
        user: String,
    },
    /// Read a token from standard input and print its SHA-256 (for the tokens file).
    HashToken,
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = ServerConfig::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    let server = Server::from_env(config).map_err(|e| e.to_string())?;
    let addr = server.listen_addr();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    server
        .serve(listener, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn new_token(user: &str) -> Result<(), String> {
    UserId::parse(user).map_err(|e| format!("--user: {e}"))?;
    let token = new_bearer_token();
    println!("token: {token}");
    println!();
    println!("# tokens file entry (holds only the hash):");
    println!("[[tokens]]");
    println!("user = {}", toml::Value::String(user.to_owned()));
    println!("sha256 = \"{}\"", token_sha256_hex(&token));
    Ok(())
}

fn hash_token() -> Result<(), String> {
    let mut token = String::new();
    std::io::stdin()
        .read_to_string(&mut token)
        .map_err(|e| format!("reading standard input: {e}"))?;
    let token = token.trim();
    if token.is_empty() {
        return Err("no token on standard input".to_owned());
    }
    println!("{}", token_sha256_hex(token));
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Some(Command::NewToken { user }) => new_token(user),
        Some(Command::HashToken) => hash_token(),
        Some(Command::CheckConfig) => ServerConfig::load(cli.config.as_deref())
            .and_then(|c| {
                ossdirect_server::auth::Authenticator::new(&c.auth)?;
                Ok(c)
            })
            .map(|c| println!("configuration OK (listen {})", c.listen))
            .map_err(|e| e.to_string()),
        None => {
            init_logging(cli.log_format);
            match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(run(cli)),
                Err(e) => Err(format!("cannot start the runtime: {e}")),
            }
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ossdirect-server: {e}");
            ExitCode::FAILURE
        }
    }
}
