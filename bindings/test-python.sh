#!/usr/bin/env bash
# The generated Python bindings, for real: generates them (bindings/generate.sh) and runs the
# unittest suite in tests/python against the built library and a real `testigo serve` on loopback.
#
# TESTIGO_BIN may name a `testigo` binary to use instead of building one.
#
# Needs: Python 3.9+ with the `cryptography` package (the suite's signer uses it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

if ! python3 -c "import cryptography" 2>/dev/null; then
  echo "the Python suite needs the cryptography package (pip install cryptography)" >&2
  exit 1
fi

bindings/generate.sh
# The `testigo` command the tests drive (serve, election, enroll, review, sim), unless given.
if [ -z "${TESTIGO_BIN:-}" ]; then
  cargo build --locked --workspace --bins
  TESTIGO_BIN="$target_dir/debug/testigo"
fi

TESTIGO_BIN="$TESTIGO_BIN" PYTHONPATH="$root/bindings/out/python" PYTHONDONTWRITEBYTECODE=1 \
  python3 "$root/tests/python/test_bindings.py"
