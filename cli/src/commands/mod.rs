//! One module per subcommand family.

pub mod demo;
pub mod dev;
pub mod emulator;
pub mod hash;
pub mod object;
pub mod sign;
pub mod transfer;

/// A command's failure, shown to the user as `error: <message>`.
pub type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
