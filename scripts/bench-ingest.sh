#!/usr/bin/env bash
# The server's intake under load (`testigo bench ingest`, release build, embedded server on a
# loopback port), and the tus reference server @tus/server (file store) receiving the same photos
# from the same client in the same run. Prints the bench's JSON line last.
#
#   scripts/bench-ingest.sh [extra `testigo bench ingest` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p testigo-cli
store="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
node tests/tus-js/reference-server.mjs "$port" "$store" >/dev/null &
ref=$!
trap 'kill $ref 2>/dev/null; rm -rf "$store"' EXIT
for _ in $(seq 50); do
  (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.1
done
"${CARGO_TARGET_DIR:-target}/release/testigo" bench ingest --tus-url "http://127.0.0.1:$port/files" "$@"
