#!/usr/bin/env bash
# Proves `make dev` works on a busy machine: other servers hold 3000, 8000 and
# 8080 (throwaway listeners started here on those that are free), and
# scripts/dev.sh, given no ports, must come up on free ones and print them.
# Then, against that instance (throwaway data folder):
#   - GET /resume at the printed API URL serves data/resume.json, the printed
#     frontend URL serves the page, DynamoDB Local answers at the printed URL,
#     and none of them is one of the listeners;
#   - it said what it seeded, from which file, under which id;
#   - `local-api seed` refuses to overwrite a different stored resume, does
#     with --replace, and calls an unchanged one a no-op;
#   - Ctrl-C (SIGINT) stops it quietly with exit 0, and everything it started
#     is gone;
#   - started again on the same data, it keeps the owner's resume and says so;
#   - an explicit port that is taken (API_PORT=3000) fails, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WORK="$(mktemp -d /tmp/dev-smoke.XXXXXX)"
export DEV_DIR="$WORK/dev"
unset API_PORT DDB_PORT FRONTEND_PORT ALLOWED_ORIGINS
holder_pid=""
dev_pid=""

fail() {
    echo "dev-smoke: FAIL: $*" >&2
    if [ -n "$dev_pid" ] && ! kill -0 "$dev_pid" 2>/dev/null; then
        local status=0
        wait "$dev_pid" 2>/dev/null || status=$?
        echo "dev.sh exited with status $status" >&2
    fi
    for f in "$WORK"/dev*.log "$DEV_DIR"/*.log "$DEV_DIR"/*.err; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
    done
    exit 1
}

# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
    if [ -n "$dev_pid" ]; then
        kill -TERM -- "-$dev_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    "$TARGET_DIR/debug/dynamodb-local" stop --pid-file "$DEV_DIR/dynamodb-local.pid" >/dev/null 2>&1 || true
    [ -z "$holder_pid" ] || kill "$holder_pid" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- other servers on 3000, 8000 and 8080 -----------------------------------
# Each answers every request with 418 "not make dev", for 15 minutes at most.
timeout 900 python3 - 3000 8000 8080 >"$WORK/holder.out" 2>&1 <<'PY' &
import http.server, socketserver, sys, threading

class NotMakeDev(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(418)
        self.end_headers()
        self.wfile.write(b"not make dev\n")
    do_POST = do_GET
    def log_message(self, *args):
        pass

held = []
for port in map(int, sys.argv[1:]):
    try:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), NotMakeDev)
    except OSError:
        continue  # already taken by someone else: busy either way
    threading.Thread(target=server.serve_forever, daemon=True).start()
    held.append(port)
print("holding", *held, flush=True)
threading.Event().wait()
PY
holder_pid=$!
for _ in $(seq 1 100); do grep -q '^holding' "$WORK/holder.out" && break; sleep 0.1; done
grep -q '^holding' "$WORK/holder.out" || fail "the port holders did not start: $(cat "$WORK/holder.out")"
for port in 3000 8000 8080; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port is not taken"
done
echo "dev-smoke: 3000, 8000 and 8080 are taken ($(cat "$WORK/holder.out"))"

# --- make dev ----------------------------------------------------------------
# Starts scripts/dev.sh in its own process group, logging to $1; waits until
# it printed its URLs and they answer. Sets API_URL, FRONTEND_URL, DDB_URL.
start_dev() {
    local log="$1"
    # In its own session, with SIGINT at its default: a background job of a
    # script starts with SIGINT ignored, which its Ctrl-C trap could not undo.
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
        scripts/dev.sh >"$log" 2>&1 &
    dev_pid=$!
    API_URL=""
    for _ in $(seq 1 600); do
        if [ -f "$DEV_DIR/env" ]; then
            API_URL="$(sed -n 's/^DEV_API_URL=//p' "$DEV_DIR/env")"
            FRONTEND_URL="$(sed -n 's/^DEV_FRONTEND_URL=//p' "$DEV_DIR/env")"
            DDB_URL="$(sed -n 's/^DEV_DYNAMODB_URL=//p' "$DEV_DIR/env")"
            [ -n "$API_URL" ] && curl -sf -o /dev/null "$API_URL/resume" && return 0
        fi
        kill -0 "$dev_pid" 2>/dev/null || fail "dev.sh exited early"
        sleep 0.5
    done
    fail "make dev did not come up within 300 s"
}

# Stops dev.sh as Ctrl-C does (SIGINT to its process group); it must exit 0
# without complaints, and leave nothing running.
stop_dev() {
    local log="$1" ddb_pid status=0
    ddb_pid="$(cat "$DEV_DIR/dynamodb-local.pid")"
    kill -INT -- "-$dev_pid"
    wait "$dev_pid" || status=$?
    dev_pid=""
    [ "$status" = 0 ] || fail "make dev exited $status after Ctrl-C, not 0"
    ! grep -qi "not running\|error\|terminated" "$log" || fail "Ctrl-C was not quiet: $(tail -n 5 "$log")"
    case "$(ps -o stat= -p "$ddb_pid" 2>/dev/null || true)" in
        "" | Z*) ;; # gone (a zombie awaits its reaper: not running)
        *) fail "DynamoDB Local (pid $ddb_pid) still runs after Ctrl-C" ;;
    esac
    ! curl -s -o /dev/null "$API_URL/resume" || fail "the API still answers after Ctrl-C"
    ! curl -s -o /dev/null "$FRONTEND_URL" || fail "the frontend still answers after Ctrl-C"
}

start_dev "$WORK/dev1.log"
for url in "$API_URL" "$FRONTEND_URL" "$DDB_URL"; do
    case "$url" in
        http://127.0.0.1:3000* | http://127.0.0.1:8000* | http://127.0.0.1:8080*)
            fail "make dev claims a taken port: $url" ;;
    esac
    grep -qF "$url" "$WORK/dev1.log" || fail "make dev did not print $url"
done
curl -sf -o "$WORK/got.json" "$API_URL/resume"
python3 - "$WORK/got.json" data/resume.json <<'PY' || fail "GET /resume differs from data/resume.json"
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
assert got == want
PY
# (Into files first: grep -q ends a pipe early, and pipefail would count that.)
curl -sf -o "$WORK/page.html" "$FRONTEND_URL/" || fail "no page at $FRONTEND_URL"
grep -q '<html' "$WORK/page.html" || fail "no page at $FRONTEND_URL"
curl -sf -o "$WORK/config.js" "$FRONTEND_URL/config.js" || fail "no config.js at $FRONTEND_URL"
grep -qF "$API_URL" "$WORK/config.js" || fail "the page's config.js does not name $API_URL"
curl -sf -o "$WORK/view.json" -H "Origin: $FRONTEND_URL" -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' "$API_URL/visitorcount" ||
    fail "a view from the printed site's origin failed"
grep -q '"counted":true' "$WORK/view.json" || fail "a view from the printed site's origin was not counted"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$DDB_URL")" != 418 ] || fail "$DDB_URL is a port holder, not DynamoDB Local"
grep -q "seeded resume 'example' (.*) from data/resume.json into table resume-local" "$WORK/dev1.log" ||
    fail "make dev did not say what it seeded"
echo "dev-smoke: make dev came up on $API_URL, $FRONTEND_URL and $DDB_URL and serves data/resume.json"

# --- seeding never silently replaces a different resume ----------------------
seed() {
    env AWS_ENDPOINT_URL_DYNAMODB="$DDB_URL" AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
        AWS_REGION=us-east-1 "$TARGET_DIR/debug/local-api" seed --file "$WORK/mine.json" "$@"
}
python3 - data/resume.json "$WORK/mine.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["basics"]["name"] = "Owner Of This Machine"
json.dump(doc, open(sys.argv[2], "w"), indent=2)
PY
if seed >"$WORK/seed.out" 2>&1; then fail "seed replaced a different resume without --replace"; fi
grep -q "already holds a different resume under 'example' (Priya Halvorsen).*--replace" "$WORK/seed.out" ||
    fail "seed's refusal does not say why and how: $(cat "$WORK/seed.out")"
[ "$(curl -sf "$API_URL/resume" | python3 -c 'import json,sys; print(json.load(sys.stdin)["basics"]["name"])')" = "Priya Halvorsen" ] ||
    fail "the stored resume changed although seed refused"
seed --replace >"$WORK/seed.out" 2>&1 || fail "seed --replace failed: $(cat "$WORK/seed.out")"
grep -q "replaced resume 'example' (Priya Halvorsen) with .*mine.json (Owner Of This Machine)" "$WORK/seed.out" ||
    fail "seed --replace said: $(cat "$WORK/seed.out")"
seed >"$WORK/seed.out" 2>&1 || fail "seeding the same document again failed: $(cat "$WORK/seed.out")"
grep -q "already matches .*mine.json: nothing written" "$WORK/seed.out" || fail "unchanged seed said: $(cat "$WORK/seed.out")"
echo "dev-smoke: seed refuses to replace a different resume, replaces it with --replace, skips an unchanged one"

stop_dev "$WORK/dev1.log"
echo "dev-smoke: Ctrl-C stopped make dev quietly with exit 0"

# --- again, on the same data: the owner's resume is kept ---------------------
start_dev "$WORK/dev2.log"
grep -q "kept resume 'example' (Owner Of This Machine) .*differs from data/resume.json" "$WORK/dev2.log" ||
    fail "make dev did not say it kept the stored resume"
[ "$(curl -sf "$API_URL/resume" | python3 -c 'import json,sys; print(json.load(sys.stdin)["basics"]["name"])')" = "Owner Of This Machine" ] ||
    fail "make dev overwrote the owner's resume"
stop_dev "$WORK/dev2.log"
echo "dev-smoke: a second make dev kept the owner's resume"

# --- an explicit port that is taken is an error, and nothing is left running --
API_PORT=3000 scripts/dev.sh >"$WORK/dev3.log" 2>&1 </dev/null && fail "API_PORT=3000 (taken) did not fail"
grep -q "cannot listen on 127.0.0.1:3000" "$WORK/dev3.log" || fail "API_PORT=3000 (taken) did not say why"
[ ! -f "$DEV_DIR/dynamodb-local.pid" ] || fail "DynamoDB Local was left running after a failed start"
echo "dev-smoke: API_PORT=3000, taken, fails and says why; all passed"
