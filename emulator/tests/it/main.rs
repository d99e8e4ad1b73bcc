//! Integration tests: a real emulator on 127.0.0.1, real HTTP, the core SDK's signers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;
mod connections;
mod faults;
mod fidelity;
mod multipart;
mod objects;
mod persistence;
mod signing;
mod sts;
