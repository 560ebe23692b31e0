#!/usr/bin/env bash
# The generated Kotlin bindings, for real: generates them (bindings/generate.sh), compiles them
# with a JUnit 4 suite (tests/kotlin/src) using the Kotlin compiler from npm, and runs the suite on
# the JVM against the built library and a real `testigo serve` on loopback. The watcher app's
# plain-Kotlin module (android-sample/watcher: everything below the screens) is compiled with them
# and its JUnit suite runs in the same JVM.
#
# TESTIGO_BIN may name a `testigo` binary to use instead of building one.
#
# Needs: Java 17+, and JNA and JUnit 4 jars (Debian: apt-get install libjna-java junit4; or set
# TESTIGO_JAVA_CLASSPATH to your own jars). Installs nothing outside the repository: the compiler
# goes into tests/kotlin/node_modules (npm ci, from the committed lock file).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

jars="${TESTIGO_JAVA_CLASSPATH:-/usr/share/java/jna.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar}"
IFS=: read -r -a jar_list <<<"$jars"
for jar in "${jar_list[@]}"; do
  if [ ! -f "$jar" ]; then
    echo "missing $jar: install JNA and JUnit 4 (make setup installs them on Debian)" >&2
    exit 1
  fi
done

kotlin_dir="$root/tests/kotlin"
if [ ! -f "$kotlin_dir/node_modules/.package-lock.json" ] \
  || [ "$kotlin_dir/package-lock.json" -nt "$kotlin_dir/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$kotlin_dir" --no-audit --no-fund
fi
kotlinc="$kotlin_dir/node_modules/kotlin-compiler/bin/kotlinc"
stdlib="$kotlin_dir/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar"
# kotlinx-coroutines ships with the compiler: the watcher module's StateFlow model runs on it.
coroutines="$kotlin_dir/node_modules/kotlin-compiler/lib/kotlinx-coroutines-core-jvm.jar"
watcher="$root/android-sample/watcher/src"

bindings/generate.sh
# The `testigo` command the tests drive (serve, election, enroll, review, sim), unless given.
if [ -z "${TESTIGO_BIN:-}" ]; then
  cargo build --locked --workspace --bins
  TESTIGO_BIN="$target_dir/debug/testigo"
fi

classes="$root/bindings/out/kotlin-tests.jar"
echo "compiling the generated Kotlin and the tests…"
"$kotlinc" -nowarn -cp "$jars:$coroutines" -d "$classes" "$root/bindings/out/kotlin" "$kotlin_dir/src" \
  "$watcher/main/kotlin" "$watcher/test/kotlin"

TESTIGO_BIN="$TESTIGO_BIN" \
  java -Djna.library.path="$root/bindings/out/lib" -cp "$jars:$stdlib:$coroutines:$classes:$watcher/main/resources" \
  org.testigo.tests.MainKt
