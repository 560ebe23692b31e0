#!/usr/bin/env bash
# The public portal with every table published, measured as BENCHMARKS.md reports it:
#   1. `testigo bench portal` (release build): 30,000 tables with one acta and photo each, all
#      published; full static export, then 100 new actas and an incremental export; page bytes.
#   2. The same data directory served by `testigo serve --public-listen`, loaded from another
#      process by wrk: table pages at random in four languages, one table page, the national page.
# Usage: scripts/bench-portal.sh [DATA_DIR]  (STATIONS, DURATION, CONNECTIONS override defaults;
# TESTIGO=path/to/testigo skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."

stations="${STATIONS:-30000}"
duration="${DURATION:-20s}"
connections="${CONNECTIONS:-64}"
data="${1:-$(mktemp -d)}"
if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get install wrk" >&2
  exit 2
fi
if [ -e "$data/testigo-server.db" ]; then
  echo "$data already holds a server's data: give an empty or new directory" >&2
  exit 2
fi

# TESTIGO names a testigo binary to use instead of building one.
if [ -z "${TESTIGO:-}" ]; then
  cargo build --release --locked -p testigo-cli
fi
bin="${TESTIGO:-${CARGO_TARGET_DIR:-target}/release/testigo}"

mkdir -p "$data"
"$bin" bench portal --stations "$stations" --data "$data" --json | tail -n 1 >"$data/bench.json"
python3 - "$data/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("setup:", json.dumps(r["setup"]))
for k in ("export_full", "export_incremental"):
    e = r[k]
    print("%s: %d tables rendered, %d files written, %d photos linked, %d files in the manifest, %s s"
          % (k, e["tables"], e["written"], e["photos"], e["files"], e["seconds"]))
for p in r["pages"]:
    print("%s: %d bytes, rendered in %s ms, then from memory p50 %s ms, p99 %s ms (router, no socket)"
          % (p["page"], p["bytes"], p["rendered_ms"], p["kept_p50_ms"], p["kept_p99_ms"]))
PY
table_path="$(python3 -c 'import json,sys; print([p["path"] for p in json.load(open(sys.argv[1]))["pages"] if p["page"]=="table"][0])' "$data/bench.json")"

port=$((20000 + RANDOM % 20000))
"$bin" serve --data "$data" --listen "127.0.0.1:$((port + 1))" --public-listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/es/"; then break; fi
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/es/"

for path in /es/ "$table_path"; do
  echo "$path: $(curl -sf "http://127.0.0.1:$port$path" | wc -c) bytes, $(curl -sf "http://127.0.0.1:$port$path" | gzip -9 | wc -c) gzipped (gzip -9)"
done

# Every table's code, for the random look-ups.
python3 - "$data/mirror/data/tables.csv" "$data/paths.txt" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w") as out:
    for row in csv.DictReader(f):
        out.write(row["station_id"] + "\n")
PY

run_wrk() {
  echo "== wrk -t1 -c$connections -d$duration --latency $*"
  wrk -t1 -c"$connections" -d"$duration" --latency "$@" |
    grep -E 'Requests/sec|Transfer/sec|^ +(50|90|99)%|requests in|Non-2xx|Socket errors'
}
# The public looking up tables at random, in four languages (mostly pages not rendered yet).
run_wrk -s scripts/bench-portal-tables.lua "http://127.0.0.1:$port" -- "$data/paths.txt"
# One table page, and the national page, asked again and again.
run_wrk "http://127.0.0.1:$port$table_path"
run_wrk "http://127.0.0.1:$port/es/"
