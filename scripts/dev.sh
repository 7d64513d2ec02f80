#!/usr/bin/env bash
# `make dev`: DynamoDB Local with data kept in .dev/dynamodb, RESUME_FILE
# (default data/resume.json) published as the resume GET /resume serves (as
# `make resume-publish` does: written only if it differs), and the local API
# serving the site (SITE_DIR, default examples/frontend) on the same origin:
# the site at /, the API at /api/... (the prefix dropped, as the stack's
# CloudFront distribution does) and at its own paths (as on the execute-api
# URL), with template.yaml's security headers on the site and /api. Ctrl-C
# stops them all and exits 0.
#
# Ports: API_PORT and DDB_PORT choose them (an error if taken). Unset, the
# defaults 3000 and 8000 are used when free (nothing listens on them on
# 127.0.0.1 or ::1, which `localhost` may mean), else free ports. Every URL is
# printed, and written to $DEV_DIR/env (DEV_FRONTEND_URL, the site's origin,
# which is also DEV_API_URL, the API at its own paths; DEV_DYNAMODB_URL; none
# with a trailing slash; DEV_RESUME_ID and DEV_RESUME_TABLE, for `make
# resume-publish CONFIG_ENV=local`) for `set -a; . .dev/env; set +a`.
set -euo pipefail
cd "$(dirname "$0")/.."

# In a terminal, take its foreground in a process group of our own, so that
# Ctrl-C reaches this script and what it starts, and not `make`: GNU make
# waits for its child, then kills itself with the SIGINT it got (exit 130,
# sometimes "make: *** wait: No child processes"); this way `make dev` exits
# 0 with the script. Without a terminal nothing changes.
if [ -t 0 ] && [ -z "${MAKE_DEV_FOREGROUND:-}" ]; then
    export MAKE_DEV_FOREGROUND=1
    exec python3 -c '
import os, signal, sys
if os.tcgetpgrp(0) == os.getpgrp():
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from a background group
    os.setpgid(0, 0)
    os.tcsetpgrp(0, os.getpgrp())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$0" "$@"
fi

DEV_DIR="${DEV_DIR:-.dev}"
PID_FILE="$DEV_DIR/dynamodb-local.pid"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DDB="$TARGET_DIR/debug/dynamodb-local"
LOCAL_API="$TARGET_DIR/debug/local-api"
RESUME_FILE="${RESUME_FILE:-data/resume.json}"
# The site local-api serves on the API's origin (its SITE_DIR).
export SITE_DIR="${SITE_DIR:-examples/frontend}"

# DynamoDB Local accepts any credentials; these keep real ones out of play.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN='' AWS_REGION="${AWS_REGION:-us-east-1}"
unset AWS_PROFILE

# await_line, LOCAL_API_LINE (local-stack's own start is not used here).
# shellcheck source=scripts/lib/local-stack.sh
. scripts/lib/local-stack.sh

say() { echo "make dev: $*"; }
# Something accepts connections on PORT at 127.0.0.1 or ::1. The API (and
# the site) binds 127.0.0.1 only, so a server on ::1 alone would not stop them, and
# would answer a browser's http://localhost:PORT in their place.
port_busy() {
    local host
    for host in 127.0.0.1 ::1; do
        if (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; then return 0; fi
    done
    return 1
}
if [ -n "${FRONTEND_PORT:-}" ]; then
    say "FRONTEND_PORT is no longer used: the site is served with the API, on API_PORT" >&2
    exit 1
fi
# A port chosen with API_PORT or DDB_PORT must be free on both.
for var in API_PORT DDB_PORT; do
    if [ -n "${!var:-}" ] && port_busy "${!var}"; then
        say "$var=${!var} is taken: something listens on 127.0.0.1:${!var} or [::1]:${!var}" >&2
        exit 1
    fi
done

# cargo's own progress shows: a first build takes minutes.
say "building local-api and the DynamoDB Local launcher (cargo build -p local-api -p testkit)..."
cargo build -p local-api -p testkit
mkdir -p "$DEV_DIR"

API_PID=""
DDB_STARTED=""
# shellcheck disable=SC2329 # invoked by the traps
cleanup() {
    trap - EXIT INT TERM
    if [ -n "$API_PID" ]; then
        kill "$API_PID" 2>/dev/null || true
        wait "$API_PID" 2>/dev/null || true
    fi
    [ -z "$DDB_STARTED" ] || "$DDB" stop --pid-file "$PID_FILE" >/dev/null 2>&1 || true
    rm -f "$DEV_DIR/env"
}
trap cleanup EXIT
# Ctrl-C (and a plain kill) is how make dev is meant to stop: quietly, exit 0.
trap 'echo; say "stopped"; exit 0' INT TERM

# --- DynamoDB Local -------------------------------------------------------
start_dynamodb() {
    local -a where=(--free-port)
    if [ -n "${DDB_PORT:-}" ]; then
        where=(--port "$DDB_PORT")
    elif ! port_busy 8000; then
        where=(--port 8000)
    else
        say "port 8000 is taken: DynamoDB Local goes on a free port (DDB_PORT=N chooses one)" >&2
    fi
    DDB_STARTED=1
    if ! DDB_PORT="$("$DDB" start "${where[@]}" --pid-file "$PID_FILE" --db-path "$DEV_DIR/dynamodb" 2>"$DEV_DIR/dynamodb-start.err")"; then
        # Taken between the check and Java's bind: take a free port instead.
        if [ -z "${DDB_PORT:-}" ] && [ "${where[0]}" = --port ] && grep -q "in use\|could not bind" "$DEV_DIR/dynamodb-start.err"; then
            DDB_PORT="$("$DDB" start --free-port --pid-file "$PID_FILE" --db-path "$DEV_DIR/dynamodb")"
        else
            cat "$DEV_DIR/dynamodb-start.err" >&2
            exit 1
        fi
    fi
}
start_dynamodb
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${DDB_PORT}"

# --- the resume -----------------------------------------------------------
# The one write path (local-api publish): says what it did, from which file,
# under which id (RESUME_ID, the one GET /resume serves) in which table.
published="$("$LOCAL_API" publish "$RESUME_FILE" --create-tables --stack "make dev")"
while IFS= read -r line; do say "$line"; done <<<"$published"
DEV_RESUME_ID="$(sed -n "s/^.*: resume '\([^']*\)' of stack make dev (table .*/\1/p" <<<"$published")"
DEV_RESUME_TABLE="$(sed -n "s/^.*: resume '[^']*' of stack make dev (table \([^ ]*\) .*/\1/p" <<<"$published")"

# --- the local API --------------------------------------------------------
# Allow-listed unless ALLOWED_ORIGINS says otherwise: the site's own origin
# (a same-origin view counts by Sec-Fetch-Site anyway; this covers browsers
# that send only a Referer), and local-api's default, a page on port 8080
# (the Postman collection's siteOrigin, `node scripts/serve-frontend.mjs`).
ORIGINS_GIVEN="${ALLOWED_ORIGINS+set}"
# Starts local-api on port $1; sets API_URL, or returns 1 when it could not
# listen there.
start_api() {
    # Emptied here, not by the child's redirection, which may run after the
    # loop below has read the previous run's address from the file.
    : >"$DEV_DIR/api.log"
    [ -n "$ORIGINS_GIVEN" ] || export ALLOWED_ORIGINS="http://localhost:$1,http://127.0.0.1:$1,http://localhost:8080,http://127.0.0.1:8080"
    LOCAL_API_ADDR="127.0.0.1:$1" "$LOCAL_API" serve >>"$DEV_DIR/api.log" 2>&1 &
    API_PID=$!
    if API_URL="$(await_line "$DEV_DIR/api.log" "$API_PID" "$LOCAL_API_LINE" 600)"; then
        return 0
    fi
    wait "$API_PID" 2>/dev/null || true
    API_PID=""
    return 1
}
API_URL=""
if [ -n "${API_PORT:-}" ]; then
    start_api "$API_PORT" || { cat "$DEV_DIR/api.log" >&2; exit 1; }
else
    port=3000
    if port_busy 3000; then
        say "port 3000 is taken: the site and API go on a free port (API_PORT=N chooses one)" >&2
        port="$(free_port)"
    fi
    # A free port can be taken before local-api binds it: then another.
    start_api "$port" || start_api "$(free_port)" || { cat "$DEV_DIR/api.log" >&2; exit 1; }
fi
# local-api's own line on the site: its directory and the headers' source.
site_from="$(await_line "$DEV_DIR/api.log" "$API_PID" 's/^  site [^ ]* from \(.*\), with the API at .*; security headers from \(.*\)$/\1; security headers from \2/p' 50 || true)"
printf 'DEV_API_URL=%s\nDEV_FRONTEND_URL=%s\nDEV_DYNAMODB_URL=%s\nDEV_RESUME_ID=%s\nDEV_RESUME_TABLE=%s\n' \
    "$API_URL" "$API_URL" "$AWS_ENDPOINT_URL_DYNAMODB" "$DEV_RESUME_ID" "$DEV_RESUME_TABLE" >"$DEV_DIR/env"

sign="--aws-sigv4 aws:amz:${LOCAL_IAM_REGION:-us-east-1}:execute-api --user ${LOCAL_IAM_ACCESS_KEY_ID:-local}:${LOCAL_IAM_SECRET_ACCESS_KEY:-local}"
cat <<EOF

  site            $API_URL/   (the resume and the visitor counter: open this)
                  files from ${site_from:-?}
  API             $API_URL/api/...   (on the site's origin, as behind CloudFront)
                  $API_URL/resume, ...   (at its own paths too, as on the execute-api URL)
  DynamoDB Local  $AWS_ENDPOINT_URL_DYNAMODB   (data in $DEV_DIR/dynamodb)
  In another shell: set -a; . $DEV_DIR/env; set +a   (DEV_FRONTEND_URL, DEV_API_URL, DEV_DYNAMODB_URL)
  Try: curl -s $API_URL/api/resume
       curl -s -H 'Sec-Fetch-Site: same-origin' -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' $API_URL/api/visitorcount
  The manager's routes (/dynamodbmanager, /items) need SigV4-signed requests, as in AWS:
       access key ${LOCAL_IAM_ACCESS_KEY_ID:-local}, secret ${LOCAL_IAM_SECRET_ACCESS_KEY:-local}, region ${LOCAL_IAM_REGION:-us-east-1}, service execute-api
       curl -s $sign $API_URL/dynamodbmanager -d '{"operation": "ping"}'
  The API's log follows (also in $DEV_DIR/api.log). Ctrl-C stops everything.

EOF
# The API's log goes on to the terminal too (from here on: the banner is above).
tail -c "+$(($(wc -c <"$DEV_DIR/api.log") + 1))" -f --pid="$API_PID" "$DEV_DIR/api.log" &
wait "$API_PID" && status=0 || status=$?
API_PID=""
say "the local API exited (status $status)" >&2
exit "$status"
