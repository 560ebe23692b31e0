//! The in-repo `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings from the built
//! library (`bindings/generate.sh` runs it). Pinned to this crate's uniffi version, so the
//! generated code always matches the scaffolding in the library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
