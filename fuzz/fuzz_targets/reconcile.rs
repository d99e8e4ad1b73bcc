//! `cargo fuzz` target `reconcile` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect::fuzzing::reconcile(data));
