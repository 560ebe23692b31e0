#!/usr/bin/env bash
# The OpenAPI document against the server it describes: schemathesis generates requests for every
# operation from /openapi.json (valid, invalid and hostile), sends them to a real `testigo serve`
# on loopback with a real device token and a coordinator's token, and runs every check it has
# (status codes, content types, headers, response schemas, auth enforced, ...). Any failure fails
# the run. Usage: scripts/api-conformance.sh [extra schemathesis options, e.g. --max-examples 500]
set -euo pipefail
cd "$(dirname "$0")/.."

command -v st >/dev/null || { echo "schemathesis is not installed: run scripts/setup.sh" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
cargo build --quiet --locked -p testigo-cli
bin="$target/debug/testigo"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" election sample --stations 20 --out "$work/election.json" >/dev/null
"$bin" election import --data "$work/data" "$work/election.json" >/dev/null
station="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stations"][0]["id"])' "$work/election.json")"
code="$("$bin" enroll --data "$work/data" --station "$station" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["codes"][0]["code"])')"
password="conformance-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
echo "$password" | "$bin" user add --data "$work/data" --name conformance --role admin --password-stdin >/dev/null

"$bin" serve --data "$work/data" --listen 127.0.0.1:0 --sms-secret "conformance-sms" >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on //p' "$work/serve.out" | head -n1)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

# A device enrolled with a fresh P-256 key, and a coordinator signed in: the tokens schemathesis
# sends for the two security schemes of the document.
eval "$(python3 - "$url" "$code" "$password" <<'PY'
import base64, json, sys, urllib.request
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

url, code, password = sys.argv[1:4]
key = ec.generate_private_key(ec.SECP256R1())
point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
public = base64.urlsafe_b64encode(point).rstrip(b"=").decode()

def post(path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)

device = post("/v1/enroll", {"code": code, "public_key": public})["token"]
admin = post("/v1/admin/login", {"name": "conformance", "password": password})["token"]
logout = post("/v1/admin/login", {"name": "conformance", "password": password})["token"]
print(f"export DEVICE_TOKEN={device} ADMIN_TOKEN={admin} LOGOUT_TOKEN={logout}")
PY
)"

PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
  st --config-file scripts/schemathesis.toml run "$url/openapi.json" --checks all "$@"
