//! `cargo fuzz` target `error_xml` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect::fuzzing::error_xml(data));
