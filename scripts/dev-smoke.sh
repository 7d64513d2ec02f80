#!/usr/bin/env bash
# Proves `make dev` works on a busy machine, driven as an owner drives it:
# `make dev` in a terminal (a pseudo-terminal here), stopped with Ctrl-C.
# Other servers hold the default ports: 3000 on ::1 only (where `localhost`
# may lead a browser), 8000 on 127.0.0.1 (throwaway listeners started here on
# those that are free). Given no ports, make dev must come up on free ones
# and print them. Then, against that instance (throwaway data):
#   - GET /resume at the printed API URL serves data/resume.json, the printed
#     site URL (the same origin) serves the page with its security headers
#     and config.js naming /api, where GET /api/resume serves the same resume
#     and a same-origin view counts; DynamoDB Local answers at the printed
#     URL, and none of them is one of the listeners;
#   - it said what it published, from which file, under which id;
#   - `make resume-publish CONFIG_ENV=local` publishes another file under the
#     id make dev serves, calls a second run unchanged, and refuses another
#     id, naming the file, the id and the stack;
#   - Ctrl-C stops it quietly, `make dev` exits 0, and everything it started
#     is gone;
#   - started again on the same data, it publishes data/resume.json again
#     (the file is what runs) and says which sections changed;
#   - an explicit port that is taken, on ::1 only (API_PORT=3000), fails,
#     saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WORK="$(mktemp -d /tmp/dev-smoke.XXXXXX)"
export DEV_DIR="$WORK/dev"
unset API_PORT DDB_PORT FRONTEND_PORT ALLOWED_ORIGINS SITE_DIR RESUME_FILE RESUME_ID RESUME_TABLE
holder_pid=""
dev_pid=""

fail() {
    echo "dev-smoke: FAIL: $*" >&2
    if [ -n "$dev_pid" ] && ! kill -0 "$dev_pid" 2>/dev/null; then
        local status=0
        wait "$dev_pid" 2>/dev/null || status=$?
        echo "make dev exited with status $status" >&2
    fi
    for f in "$WORK"/dev*.log "$DEV_DIR"/*.log "$DEV_DIR"/*.err; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
    done
    exit 1
}

# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
    if [ -n "$dev_pid" ]; then
        kill -TERM "$dev_pid" 2>/dev/null || true # the driver: Ctrl-C, then SIGKILL
        wait "$dev_pid" 2>/dev/null || true
    fi
    "$TARGET_DIR/debug/dynamodb-local" stop --pid-file "$DEV_DIR/dynamodb-local.pid" >/dev/null 2>&1 || true
    [ -z "$holder_pid" ] || kill "$holder_pid" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- other servers on the default ports --------------------------------------
# Each answers every request with 418 "not make dev", for 15 minutes at most.
HOLD=(::1:3000 127.0.0.1:8000)
timeout 900 python3 - "${HOLD[@]}" >"$WORK/holder.out" 2>&1 <<'PY' &
import http.server, socket, socketserver, sys, threading

class NotMakeDev(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(418)
        self.end_headers()
        self.wfile.write(b"not make dev\n")
    do_POST = do_GET
    def log_message(self, *args):
        pass

class V6(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        # ::1 alone, as a server bound to "localhost" may be.
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()

held = []
for where in sys.argv[1:]:
    host, port = where.rsplit(":", 1)
    kind = V6 if ":" in host else socketserver.ThreadingTCPServer
    try:
        server = kind((host, int(port)), NotMakeDev)
    except OSError as e:
        if e.errno != 98:  # EADDRINUSE: taken by someone else, busy either way
            sys.exit(f"cannot listen on {where}: {e}")
        continue
    threading.Thread(target=server.serve_forever, daemon=True).start()
    held.append(where)
print("holding", *held, flush=True)
threading.Event().wait()
PY
holder_pid=$!
for _ in $(seq 1 100); do grep -q '^holding' "$WORK/holder.out" && break; sleep 0.1; done
grep -q '^holding' "$WORK/holder.out" || fail "the port holders did not start: $(cat "$WORK/holder.out")"
for where in "${HOLD[@]}"; do
    (exec 3<>"/dev/tcp/${where%:*}/${where##*:}") 2>/dev/null || fail "$where is not taken"
done
echo "dev-smoke: ${HOLD[*]} are taken ($(cat "$WORK/holder.out"))"

# --- make dev ----------------------------------------------------------------
# Runs `make dev` in a pseudo-terminal, as an owner does, its output into $1.
# The driver is dev_pid: SIGUSR1 makes it type Ctrl-C (the terminal then
# sends SIGINT to its foreground process group); SIGTERM too, then SIGKILL
# after 20 s (the cleanup). It exits with make's status (128+N if signal N
# ended make).
start_dev() {
    local log="$1"
    : >"$log"
    python3 - "$log" make --no-print-directory dev <<'PY' &
import os, pty, select, signal, sys, time
log_path, *command = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    # A background job of a script starts with SIGINT ignored, which a
    # Ctrl-C trap could not undo: an owner's terminal has it at its default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(command[0], command)
asked = []
signal.signal(signal.SIGUSR1, lambda *_: asked.append("ctrl-c"))
signal.signal(signal.SIGTERM, lambda *_: asked.append("kill"))
typed = None
status = None
with open(log_path, "ab", buffering=0) as log:
    while status is None:
        if asked and typed is None:
            os.write(fd, b"\x03")  # Ctrl-C, as the terminal's line discipline reads it
            typed = time.monotonic()
        if "kill" in asked and typed and time.monotonic() - typed > 20:
            for group in {os.tcgetpgrp(fd), pid}:
                try:
                    os.killpg(group, signal.SIGKILL)
                except OSError:
                    pass
        if select.select([fd], [], [], 0.2)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: no process has the terminal open any more
                data = b""
            log.write(data)
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
    end = time.monotonic() + 1  # what make's last writes left in the terminal
    while time.monotonic() < end and select.select([fd], [], [], 0.1)[0]:
        try:
            log.write(os.read(fd, 65536))
        except OSError:
            break
sys.exit(status if status >= 0 else 128 - status)
PY
    dev_pid=$!
    API_URL=""
    for _ in $(seq 1 600); do
        if [ -f "$DEV_DIR/env" ]; then
            API_URL="$(sed -n 's/^DEV_API_URL=//p' "$DEV_DIR/env")"
            FRONTEND_URL="$(sed -n 's/^DEV_FRONTEND_URL=//p' "$DEV_DIR/env")"
            DDB_URL="$(sed -n 's/^DEV_DYNAMODB_URL=//p' "$DEV_DIR/env")"
            [ -n "$API_URL" ] && curl -sf -o /dev/null "$API_URL/resume" && return 0
        fi
        kill -0 "$dev_pid" 2>/dev/null || fail "make dev exited early"
        sleep 0.5
    done
    fail "make dev did not come up within 300 s"
}

# Types Ctrl-C into make dev's terminal: make must exit 0, nothing may
# complain, and nothing it started may be left running.
stop_dev() {
    local log="$1" ddb_pid status=0
    ddb_pid="$(cat "$DEV_DIR/dynamodb-local.pid")"
    kill -USR1 "$dev_pid"
    wait "$dev_pid" || status=$?
    dev_pid=""
    [ "$status" = 0 ] || fail "make dev exited $status after Ctrl-C, not 0"
    grep -q "make dev: stopped" "$log" || fail "make dev did not say it stopped: $(tail -n 5 "$log")"
    ! grep -qi "not running\|error\|terminated\|make: \*\*\*\|interrupt" "$log" || fail "Ctrl-C was not quiet: $(tail -n 5 "$log")"
    case "$(ps -o stat= -p "$ddb_pid" 2>/dev/null || true)" in
        "" | Z*) ;; # gone (a zombie awaits its reaper: not running)
        *) fail "DynamoDB Local (pid $ddb_pid) still runs after Ctrl-C" ;;
    esac
    ! curl -s -o /dev/null "$API_URL/resume" || fail "the API still answers after Ctrl-C"
    ! curl -s -o /dev/null "$FRONTEND_URL" || fail "the frontend still answers after Ctrl-C"
}

# The name in the resume GET /resume serves.
served_name() { curl -sf "$API_URL/resume" | python3 -c 'import json,sys; print(json.load(sys.stdin)["basics"]["name"])'; }

start_dev "$WORK/dev1.log"
for url in "$API_URL" "$FRONTEND_URL" "$DDB_URL"; do
    case "$url" in
        *:3000 | *:8000) fail "make dev claims a taken port: $url" ;;
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
[ "$FRONTEND_URL" = "$API_URL" ] || fail "the site ($FRONTEND_URL) and the API ($API_URL) are not on one origin"
curl -sf -D "$WORK/page.head" -o "$WORK/page.html" "$FRONTEND_URL/" || fail "no page at $FRONTEND_URL"
grep -q '<html' "$WORK/page.html" || fail "no page at $FRONTEND_URL"
grep -qi "^content-security-policy: default-src 'self'" "$WORK/page.head" ||
    fail "the page has no Content-Security-Policy (template.yaml's SiteHeadersPolicy): $(cat "$WORK/page.head")"
curl -sf -o "$WORK/config.js" "$FRONTEND_URL/config.js" || fail "no config.js at $FRONTEND_URL"
grep -qF 'api: "/api"' "$WORK/config.js" || fail "the page's config.js does not name /api"
curl -sf -o "$WORK/got-api.json" "$FRONTEND_URL/api/resume" || fail "no GET /api/resume on the site's origin"
cmp -s "$WORK/got.json" "$WORK/got-api.json" || fail "GET /api/resume differs from GET /resume"
# A same-origin fetch sends no Origin; the browser's Sec-Fetch-Site says where it comes from.
curl -sf -o "$WORK/view.json" -H "Sec-Fetch-Site: same-origin" -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' "$FRONTEND_URL/api/visitorcount" ||
    fail "a view from the printed site failed"
grep -q '"counted":true' "$WORK/view.json" || fail "a view from the printed site was not counted"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$DDB_URL")" != 418 ] || fail "$DDB_URL is a port holder, not DynamoDB Local"
grep -qF "make dev: data/resume.json: resume 'example' of stack make dev (table resume-local at $DDB_URL): created" "$WORK/dev1.log" ||
    fail "make dev did not say what it published"
echo "dev-smoke: make dev came up on $API_URL (site and API) and $DDB_URL and serves data/resume.json"

# --- make resume-publish CONFIG_ENV=local: the one write path ----------------
publish() { make --no-print-directory resume-publish CONFIG_ENV=local FILE="$WORK/mine.json" "$@"; }
python3 - data/resume.json "$WORK/mine.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["basics"]["name"] = "Owner Of This Machine"
json.dump(doc, open(sys.argv[2], "w"), indent=2)
PY
publish >"$WORK/publish.out" 2>&1 || fail "publishing another file failed: $(cat "$WORK/publish.out")"
grep -qF "mine.json: resume 'example' of stack make dev (table resume-local at $DDB_URL): updated (basics)" "$WORK/publish.out" ||
    fail "publish said: $(cat "$WORK/publish.out")"
[ "$(served_name)" = "Owner Of This Machine" ] || fail "GET /resume does not serve the published file"
publish >"$WORK/publish.out" 2>&1 || fail "publishing the same file again failed: $(cat "$WORK/publish.out")"
grep -q "mine.json: resume 'example' .*: unchanged$" "$WORK/publish.out" || fail "an unchanged publish said: $(cat "$WORK/publish.out")"
if publish ID=other >"$WORK/publish.out" 2>&1; then fail "publish stored under an id make dev does not serve"; fi
for name in "$WORK/mine.json" "'other'" "stack make dev" "'example'"; do
    grep -qF "$name" "$WORK/publish.out" || fail "publish ID=other did not name $name: $(cat "$WORK/publish.out")"
done
echo "dev-smoke: resume-publish CONFIG_ENV=local publishes under make dev's id, skips an unchanged file, refuses another id"

stop_dev "$WORK/dev1.log"
echo "dev-smoke: Ctrl-C stopped make dev quietly, exit 0"

# --- again, on the same data: the file is published again ---------------------
start_dev "$WORK/dev2.log"
grep -qF "make dev: data/resume.json: resume 'example' of stack make dev (table resume-local at $DDB_URL): updated (basics)" "$WORK/dev2.log" ||
    fail "make dev did not say it published data/resume.json over the stored resume"
[ "$(served_name)" = "Priya Halvorsen" ] || fail "make dev did not publish data/resume.json"
stop_dev "$WORK/dev2.log"
echo "dev-smoke: a second make dev published data/resume.json again and said what changed"

# --- an explicit port that is taken is an error, and nothing is left running --
API_PORT=3000 make --no-print-directory dev >"$WORK/dev3.log" 2>&1 </dev/null && fail "API_PORT=3000 (taken on ::1) did not fail"
grep -qF "API_PORT=3000 is taken: something listens on 127.0.0.1:3000 or [::1]:3000" "$WORK/dev3.log" ||
    fail "API_PORT=3000 (taken on ::1) did not say why"
[ ! -f "$DEV_DIR/dynamodb-local.pid" ] || fail "DynamoDB Local was left running after a failed start"
echo "dev-smoke: API_PORT=3000, taken on ::1, fails and says why; all passed"
