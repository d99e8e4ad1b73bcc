//! `cargo fuzz` target `token_response` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect::fuzzing::token_response(data));
