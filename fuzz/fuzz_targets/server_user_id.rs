//! `cargo fuzz` target `server_user_id` (see the crate's documentation).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ossdirect_fuzz::server_user_id(data));
