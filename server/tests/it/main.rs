//! Integration tests of the token vending server against the emulator's real STS and OSS, over
//! HTTP on 127.0.0.1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;
mod connections;
mod jwt;
mod list;
mod rate_limit;
mod security;
mod sign;
mod vend;
