//! Integration tests of the token vending server against the emulator's real STS and OSS, over
//! HTTP on 127.0.0.1.

mod common;
mod jwt;
mod rate_limit;
mod security;
mod sign;
mod vend;
