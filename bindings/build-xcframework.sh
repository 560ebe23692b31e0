#!/usr/bin/env bash
# On a Mac with Xcode: builds TestigoFFI.xcframework (iOS devices, iOS simulators on Apple
# silicon and Intel, and macOS for `swift test`) and assembles the Swift package around it in
# bindings/out/TestigoSwift. See bindings/README.md.
#
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#       aarch64-apple-darwin x86_64-apple-darwin
#   bindings/build-xcframework.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh runs on a Mac with Xcode" >&2
  exit 1
fi
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$root/bindings/out"

# SQLCipher uses Apple's CommonCrypto here (no OpenSSL in the library): libsqlite3-sys picks it
# for Apple targets when no OpenSSL directory is given, so none may leak in from the shell.
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
  env -u OPENSSL_DIR -u SQLCIPHER_OPENSSL_DIR -u OPENSSL_LIB_DIR -u OPENSSL_INCLUDE_DIR \
    cargo rustc --locked --profile phone -p testigo-ffi --lib --crate-type staticlib --target "$target"
done
lib() { echo "$target_dir/$1/phone/libtestigo_ffi.a"; }

# Swift sources, the three FFI headers and their one module map, from the host library.
bindings/generate.sh --release

fat="$out/fat"
mkdir -p "$fat/ios-simulator" "$fat/macos"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$fat/ios-simulator/libtestigo_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$fat/macos/libtestigo_ffi.a"
headers="$out/xcframework-headers"
rm -rf "$headers" && mkdir -p "$headers"
cp "$out"/swift/*.h "$out/swift/module.modulemap" "$headers/"

rm -rf "$out/TestigoFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$headers" \
  -library "$fat/ios-simulator/libtestigo_ffi.a" -headers "$headers" \
  -library "$fat/macos/libtestigo_ffi.a" -headers "$headers" \
  -output "$out/TestigoFFI.xcframework"

package="$out/TestigoSwift"
rm -rf "$package" && mkdir -p "$package/Sources/Testigo"
cp "$root/bindings/swift/Package.swift" "$package/"
cp -R "$root/bindings/swift/Tests" "$package/"
cp "$out"/swift/*.swift "$package/Sources/Testigo/"
cp -R "$out/TestigoFFI.xcframework" "$package/"
echo "built $package (run its tests: cd $package && TESTIGO_BIN=… swift test)"
