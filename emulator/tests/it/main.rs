//! Integration tests: a real emulator on 127.0.0.1, real HTTP, the core SDK's signers.

mod common;
mod faults;
mod fidelity;
mod multipart;
mod objects;
mod persistence;
mod signing;
mod sts;
