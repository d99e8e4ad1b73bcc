//! `cargo fuzz` target `emulator_range` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_emulator::fuzzing::range(data));
