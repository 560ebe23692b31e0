#!/usr/bin/env bash
# What can be checked of the Swift bindings without a Swift toolchain: generates them
# (bindings/generate.sh), compiles the three C headers of the TestigoFFI module together, and
# checks that every function they declare is exported by the built library. The Swift sources
# themselves are compiled and tested on a Mac (bindings/README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bindings/generate.sh
swift="$root/bindings/out/swift"
lib="$(ls "$root"/bindings/out/lib/libtestigo_ffi.*)"

# One translation unit with every header, as the module map puts them together.
unit="$(mktemp --suffix=.c)"
trap 'rm -f "$unit"' EXIT
for header in "$swift"/*.h; do
  printf '#include "%s"\n' "$(basename "$header")" >>"$unit"
done
headers=$(grep -c '#include' "$unit")
[ "$headers" -eq 3 ] || { echo "expected 3 FFI headers, found $headers" >&2; exit 1; }

# gcc knows neither clang's nullability qualifiers (_Nonnull, _Nullable) nor its modules; the
# rest of the headers is C, and is compiled as such, as C and as C++.
gcc -fsyntax-only -std=c11 -Wall -Wextra -Werror -D_Nonnull= -D_Nullable= -I "$swift" "$unit"
g++ -fsyntax-only -std=c++17 -Wall -Wextra -Werror -D_Nonnull= -D_Nullable= -I "$swift" -x c++ "$unit"
if command -v clang >/dev/null; then
  clang -fsyntax-only -std=c11 -Wall -Wextra -Werror -I "$swift" "$unit"
fi

declared="$(grep -ohE '\b(uniffi|ffi)_[a-z0-9_]+\(' "$swift"/*.h | tr -d '(' | sort -u)"
exported="$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)"
missing="$(comm -23 <(echo "$declared") <(echo "$exported"))"
if [ -n "$missing" ]; then
  echo "declared in the headers but not exported by the library:" >&2
  echo "$missing" >&2
  exit 1
fi
count=$(echo "$declared" | wc -l)
echo "swift: the 3 FFI headers compile; all $count functions they declare are in the library"
