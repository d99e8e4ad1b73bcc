//! `cargo fuzz` target `emulator_complete_xml` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_emulator::fuzzing::complete_xml(data));
