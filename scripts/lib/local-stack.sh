# shellcheck shell=bash
# Sourced by scripts that need a throwaway local stack: DynamoDB Local (in
# memory) and target/debug/local-api, both on free ports, with the example
# resume (data/resume.json) published. DynamoDB Local is started by
# target/debug/dynamodb-local (crates/testkit), the launcher the tests use.
#
#   local_stack_start [VAR=value ...]   extra environment for local-api
#       sets LOCAL_STACK_URL (e.g. http://127.0.0.1:41234) and LOCAL_STACK_DIR
#   local_stack_stop                    stops both; safe to call twice
#
# For scripts that start their own processes:
#   free_port                           prints a free TCP port on 127.0.0.1
#   await_line LOG PID SED_EXPR TENTHS  prints the first line of LOG that
#       SED_EXPR (sed -n) prints, waiting while PID lives, at most TENTHS
#       tenths of a second; returns 1 without one
#   stop_process_and_ddb PID DDB_PID_FILE   stops PID (if set) and the
#       DynamoDB Local that DDB_PID_FILE names (if it exists)
#   moto_start LOG                      starts .venv's moto_server (AWS APIs
#       on loopback: S3, CloudFormation) on a free port, logging to LOG; sets
#       MOTO_URL and MOTO_PID; returns 1, with LOG on stderr, unless it
#       answers within 30 s
#
# The caller sets its own traps; call local_stack_stop from them.

LOCAL_STACK_URL=""
LOCAL_STACK_DIR=""
LOCAL_STACK_API_PID=""

# The DynamoDB Local launcher (crates/testkit, `cargo build -p testkit`).
local_stack_ddb_bin() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    echo "${CARGO_TARGET_DIR:-$root/target}/debug/dynamodb-local"
}

# Starts DynamoDB Local in memory on a free port and prints the port. The
# launcher retries with another port when the picked one is taken before
# Java binds it (outgoing connections use the same range).
#   ddb_start_on_free_port PID_FILE LOG_FILE
ddb_start_on_free_port() {
    "$(local_stack_ddb_bin)" start --free-port --in-memory --pid-file "$1" --log "$2"
}

local_stack_start() {
    local root ddb_port
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    LOCAL_STACK_DIR="$(mktemp -d /tmp/local-stack.XXXXXX)"
    "${CARGO:-cargo}" build --quiet --locked -p local-api -p testkit --manifest-path "$root/Cargo.toml"
    ddb_port="$(ddb_start_on_free_port "$LOCAL_STACK_DIR/ddb.pid" "$LOCAL_STACK_DIR/ddb.log")"

    # DynamoDB Local accepts any credentials; these keep real ones out of play.
    local -a run=(env -u AWS_PROFILE -u AWS_SESSION_TOKEN
        AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${ddb_port}"
        AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
        LOCAL_API_ADDR=127.0.0.1:0 RUST_LOG="${RUST_LOG:-warn}" "$@"
        "${CARGO_TARGET_DIR:-$root/target}/debug/local-api")
    "${run[@]}" publish "$root/data/resume.json" --create-tables >/dev/null
    "${run[@]}" serve >"$LOCAL_STACK_DIR/api.log" 2>&1 &
    LOCAL_STACK_API_PID=$!

    # local-api prints the address it bound (port 0: the kernel picks one).
    # shellcheck disable=SC2034 # the caller reads it
    if LOCAL_STACK_URL="$(await_line "$LOCAL_STACK_DIR/api.log" "$LOCAL_STACK_API_PID" "$LOCAL_API_LINE" 600)"; then
        return 0
    fi
    echo "local-api did not start within 60 s:" >&2
    cat "$LOCAL_STACK_DIR/api.log" >&2
    return 1
}

# local-api's first line, "local API on http://ADDR ...": its URL.
LOCAL_API_LINE='s/^local API on \(http:\/\/[^ ]*\).*/\1/p'

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

await_line() {
    local found _
    for _ in $(seq 1 "$4"); do
        found="$(sed -n "$3" "$1" 2>/dev/null | head -n 1)"
        if [[ -n "$found" ]]; then
            printf '%s\n' "$found"
            return 0
        fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

moto_start() {
    local root port
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    port="$(free_port)"
    "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$1" 2>&1 &
    MOTO_PID=$!
    MOTO_URL="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$MOTO_URL/moto-api/" && return 0
        kill -0 "$MOTO_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$1" >&2
    echo "moto_server did not answer on $MOTO_URL within 30 s" >&2
    return 1
}

stop_process_and_ddb() {
    if [[ -n "$1" ]]; then
        kill -TERM "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
    if [[ -f "$2" ]]; then
        "$(local_stack_ddb_bin)" stop --pid-file "$2" >/dev/null 2>&1 || true
    fi
}

local_stack_stop() {
    stop_process_and_ddb "$LOCAL_STACK_API_PID" "${LOCAL_STACK_DIR:-/nonexistent}/ddb.pid"
    LOCAL_STACK_API_PID=""
    [[ -n "$LOCAL_STACK_DIR" ]] && rm -rf "$LOCAL_STACK_DIR"
    LOCAL_STACK_DIR=""
}
