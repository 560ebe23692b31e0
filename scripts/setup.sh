#!/usr/bin/env bash
# Installs what a fresh machine with only the Rust toolchain, Python and Node.js lacks for
# `make check`: Debian packages (as root, or through sudo), the Python package the bindings'
# test signs with, and the npm packages the tests drive. Each is checked first, so on a machine
# that has everything this installs nothing and takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/include/openssl/evp.h ] || need+=(libssl-dev)
# The dashboard tests drive Debian's Chromium; the tus tests and those drive Node.js.
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# The Kotlin bindings run on the JVM through JNA with JUnit; the Swift header check uses g++ and nm.
[ -f /usr/share/java/jna.jar ] || need+=(libjna-java)
[ -f /usr/share/java/junit4.jar ] || need+=(junit4)
command -v java >/dev/null || need+=(default-jre-headless)
command -v g++ >/dev/null || need+=(g++)
command -v nm >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${need[@]}"
fi

# The Python bindings' test signs with the `cryptography` package.
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install --quiet cryptography

# The API conformance run (scripts/api-conformance.sh) is schemathesis.
command -v st >/dev/null || python3 -m pip install --quiet 'schemathesis>=4.32,<5'

# The iOS app's Swift sources are parsed with tree-sitter's Swift grammar (make check-ios).
python3 -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null \
  || python3 -m pip install --quiet 'tree-sitter>=0.25,<0.27' 'tree-sitter-swift>=0.7,<0.8'

# The npm packages the tests drive (tus-js-client, @tus/server, playwright-core), exactly as locked.
for dir in tests/tus-js tests/browser; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund
  fi
done
