//! `cargo fuzz` target `emulator_sts_params` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_emulator::fuzzing::sts_params(data));
