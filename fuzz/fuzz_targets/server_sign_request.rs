//! `cargo fuzz` target `server_sign_request` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_fuzz::server_sign_request(data));
