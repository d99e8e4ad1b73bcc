//! The ffi surface exercised as a foreign caller would use it: exported objects and functions
//! only, foreign traits implemented in test code, against the emulator and the token server
//! over loopback HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;
mod credentials;
mod errors;
mod lifetime;
mod operations;
mod registry;
mod sources;
mod transfers;
