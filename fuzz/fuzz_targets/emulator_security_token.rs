//! `cargo fuzz` target `emulator_security_token` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_emulator::fuzzing::security_token(data));
