//! `ossdirect`: the command line of the ossdirect SDK.

mod args;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Direct-to-OSS transfers with short-lived STS credentials, and a local OSS + STS emulator.
#[derive(Parser, Debug)]
#[command(name = "ossdirect", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the signature of a described request (debug `SignatureDoesNotMatch`).
    Sign(commands::sign::SignArgs),
    /// Print a presigned URL for a described request.
    Presign(commands::sign::PresignArgs),
    /// Print a file's CRC-64 (`x-oss-hash-crc64ecma`) and Content-MD5.
    Hash(HashArgs),
    /// Upload a file as one object (PutObject).
    Put(commands::object::PutArgs),
    /// Download an object to a file (GetObject).
    Get(commands::object::GetArgs),
    /// Show an object's metadata (HeadObject).
    Head(commands::object::TargetArgs),
    /// Delete an object (DeleteObject).
    Rm(commands::object::TargetArgs),
    /// Upload a file: multipart above a threshold, resumable, with a progress bar.
    Upload(commands::transfer::UploadArgs),
    /// Download an object to a file: ranged parts, resumable, with a progress bar.
    Download(commands::transfer::DownloadArgs),
    /// The main job on the embedded emulator: STS credentials, upload, download, verify.
    Demo(commands::demo::DemoArgs),
    /// Run the emulator and the token vending server (tokens, /sign) for demo users; prints one JSON line when ready.
    Dev(commands::dev::DevArgs),
    /// Run the local OSS + STS emulator; prints one JSON line when ready.
    Emulator(commands::emulator::EmulatorArgs),
}

/// Arguments of `ossdirect hash`.
#[derive(Args, Debug)]
struct HashArgs {
    /// The file to hash.
    file: PathBuf,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
}

/// The async runtime a command runs on. Servers (the emulator, `dev`, `demo`) spread their
/// connections over every core. Client commands are network-bound: one thread drives all their
/// connections, so a socket event never has to wake another thread (on a 2-core machine that
/// made downloads 10% faster); file reads and writes still run on blocking threads.
fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    match command {
        Command::Emulator(_) | Command::Dev(_) | Command::Demo(_) => {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
        }
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("OSSDIRECT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match runtime_for(&cli.command) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The command runs as a task: on a multi-thread runtime that puts it on a worker, beside the
    // I/O driver, rather than on this thread, which every socket event would have to wake.
    let result = runtime.block_on(async {
        let command = tokio::spawn(async move {
            match cli.command {
                Command::Sign(a) => commands::sign::sign(a),
                Command::Presign(a) => commands::sign::presign(a),
                Command::Hash(a) => commands::hash::hash(&a.file, a.json),
                Command::Put(a) => commands::object::put(a).await,
                Command::Get(a) => commands::object::get(a).await,
                Command::Head(a) => commands::object::head(a).await,
                Command::Rm(a) => commands::object::rm(a).await,
                Command::Emulator(a) => commands::emulator::run(a).await,
                Command::Demo(a) => commands::demo::run(a).await,
                Command::Dev(a) => commands::dev::run(a).await,
                Command::Upload(a) => commands::transfer::upload(a).await,
                Command::Download(a) => commands::transfer::download(a).await,
            }
        });
        match command.await {
            Ok(result) => result,
            Err(e) => Err(format!("the command stopped: {e}").into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
