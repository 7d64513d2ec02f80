#!/usr/bin/env bash
# Proves `make dev` works: runs scripts/dev.sh on free ports with a throwaway
# data folder, waits for GET /resume to serve data/resume.json, then stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export DDB_PORT API_PORT FRONTEND_PORT DEV_DIR
DDB_PORT=$(free_port); API_PORT=$(free_port); FRONTEND_PORT=$(free_port)
DEV_DIR=$(mktemp -d /tmp/dev-smoke.XXXXXX)
log="$DEV_DIR/dev.log"

setsid scripts/dev.sh >"$log" 2>&1 &
dev_pid=$!
stop() {
    kill -TERM -- "-$dev_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
    "${CARGO_TARGET_DIR:-target}/debug/dynamodb-local" stop --pid-file "$DEV_DIR/dynamodb-local.pid" >/dev/null 2>&1 || true
    rm -rf "$DEV_DIR"
}
trap stop EXIT

url="http://127.0.0.1:$API_PORT/resume"
for _ in $(seq 1 240); do
    if curl -sf -o "$DEV_DIR/got.json" "$url"; then
        python3 - "$DEV_DIR/got.json" data/resume.json <<'PY'
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
assert got == want, "GET /resume differs from data/resume.json"
PY
        grep -q "http://127.0.0.1:$API_PORT" "$log" || { echo "make dev did not print its URL"; cat "$log"; exit 1; }
        echo "dev-smoke: make dev served the seeded resume at $url"
        exit 0
    fi
    kill -0 "$dev_pid" 2>/dev/null || { echo "dev.sh exited early:"; cat "$log"; exit 1; }
    sleep 0.5
done
echo "dev-smoke: no resume at $url after 120 s"; cat "$log"; exit 1
