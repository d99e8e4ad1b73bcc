//! `uniffi-bindgen`, the same version as the `uniffi` runtime in `ossdirect-ffi`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
