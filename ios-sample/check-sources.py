#!/usr/bin/env python3
"""What can be checked of the iOS app without a Swift toolchain (make check-ios):

1. Every Swift source of ios-sample/ parses with tree-sitter's Swift grammar: no ERROR or MISSING
   node. (Not the generated bindings: the grammar does not take `#if` around attributes, which
   uniffi writes; bindings/check-swift.sh checks their C side.)
2. Every catalog key the Swift sources name (`Text("key"`, `t["key"]`) is in all four catalogs
   (android-sample/watcher/src/main/resources/org/testigo/watcher/strings_*.properties).
3. The Swift mirror words the core's reports as the Kotlin model does: Messages.swift and
   Messages.kt name the same keys, and SyncPolicy.swift keeps SyncPolicy.kt's delays.

Compiling and running the app needs Xcode on a Mac (ios-sample/README.md).
"""
import pathlib
import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

root = pathlib.Path(__file__).resolve().parent.parent
ios = root / "ios-sample"
catalog_dir = root / "android-sample/watcher/src/main/resources/org/testigo/watcher"
kotlin = root / "android-sample/watcher/src/main/kotlin/org/testigo/watcher"
failures = []


def fail(msg):
    failures.append(msg)


def bad_nodes(node):
    if node.type == "ERROR" or node.is_missing:
        yield node
        return
    for child in node.children:
        yield from bad_nodes(child)


parser = Parser(Language(tree_sitter_swift.language()))
sources = sorted(p for p in ios.rglob("*.swift") if ".build" not in p.parts)
for path in sources:
    tree = parser.parse(path.read_bytes())
    for node in list(bad_nodes(tree.root_node))[:5]:
        row, col = node.start_point
        kind = "missing " + node.type if node.is_missing else "cannot parse"
        fail("%s:%d:%d: %s" % (path.relative_to(root), row + 1, col + 1, kind))

catalogs = {}
for lang in ("es", "en", "pt", "fr"):
    keys = set()
    for line in (catalog_dir / ("strings_%s.properties" % lang)).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            keys.add(line.split("=", 1)[0])
    catalogs[lang] = keys

key_pattern = re.compile(r'(?:\bText\(\s*|\bt\[\s*)"([a-z0-9-]+)"')
named = set()
for path in sources:
    for key in key_pattern.findall(path.read_text(encoding="utf-8")):
        named.add(key)
        for lang, keys in catalogs.items():
            if key not in keys:
                fail("%s names %r, which strings_%s.properties lacks" % (path.relative_to(root), key, lang))
if len(named) < 40:
    fail("only %d catalog keys found in the Swift sources: is the pattern still right?" % len(named))


def message_keys(path):
    return set(re.findall(r'Text\(\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))


swift_keys = message_keys(ios / "WatcherKit/Sources/WatcherKit/Messages.swift")
kotlin_keys = message_keys(kotlin / "Messages.kt")
if swift_keys != kotlin_keys:
    fail("Messages.swift and Messages.kt differ: only Swift %s, only Kotlin %s"
         % (sorted(swift_keys - kotlin_keys), sorted(kotlin_keys - swift_keys)))


def delays(path, pattern):
    """Each constant's value: digits with `_`, possibly a product (`15 * 60_000`)."""
    values = []
    for expr in re.findall(pattern, path.read_text(encoding="utf-8")):
        value = 1
        for factor in expr.split("*"):
            value *= int(factor.strip().replace("_", ""))
        values.append(value)
    return values


swift_delays = delays(ios / "WatcherKit/Sources/WatcherKit/SyncPolicy.swift", r"Ms: Int64 = ([0-9_ *]+)")
kotlin_delays = delays(kotlin / "SyncPolicy.kt", r"_MS = ([0-9_ *]+)L")
if not swift_delays or swift_delays != kotlin_delays:
    fail("SyncPolicy delays differ: Swift %s, Kotlin %s" % (swift_delays, kotlin_delays))

for f in failures:
    print(f)
print("ios: %d Swift files parsed, %d catalog keys named, %d message keys mirrored, delays %s: %s"
      % (len(sources), len(named), len(swift_keys), swift_delays,
         "ok" if not failures else "%d failures" % len(failures)))
sys.exit(1 if failures else 0)
