//! `cargo fuzz` target `endpoint` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect::fuzzing::endpoint(data));
