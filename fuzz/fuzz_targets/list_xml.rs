//! `cargo fuzz` target `list_xml` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect::fuzzing::list_xml(data));
