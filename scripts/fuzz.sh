#!/usr/bin/env bash
# Runs one cargo-fuzz target on stable Rust: libFuzzer with the compiler's own coverage
# instrumentation (what `cargo fuzz run --sanitizer none` does, without needing nightly).
#   scripts/fuzz.sh TARGET [libFuzzer options, e.g. -runs=10000000 -max_len=4096]
# Corpus in fuzz/corpus/TARGET (created), crashes in fuzz/artifacts/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh TARGET [libFuzzer options]}"
shift
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
dir="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/fuzz}"
# An explicit target keeps the instrumentation off build scripts and proc macros.
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --release --manifest-path fuzz/Cargo.toml --target-dir "$dir" --target "$host" --bin "$target"
mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
exec "$dir/$host/release/$target" -artifact_prefix="fuzz/artifacts/$target/" "$@" "fuzz/corpus/$target"
