//! The in-repo `uniffi-bindgen-swift`: uniffi's Swift generator, which also writes one modulemap
//! covering the FFI headers of every crate in the library (`bindings/generate.sh` runs it).

fn main() {
    uniffi::uniffi_bindgen_swift()
}
