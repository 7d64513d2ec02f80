#!/usr/bin/env bash
# `make sam-local-test`: the built functions (`make build`) under `sam local`,
# in Docker, against DynamoDB Local on this host, tested over HTTP.
#
#   1. Docker: the running daemon, else dockerd started here (scripts/lib/sam-local.sh)
#   2. the base image: AWS's provided:al2023 if it can be pulled, else the Debian stand-in
#   3. DynamoDB Local (in memory) on a free port, tables created, data/resume.json seeded
#   4. `sam local start-api` on a free 127.0.0.1 port; the integration tests
#      (IT_GROUPS) through API_URL
#   5. `sam local invoke` of one events/ file per function, asserting its statusCode
#
# The manager's routes need SigV4 (AWS_IAM) in AWS and in local-api, but
# `sam local` does not enforce IAM authorization: the tests of that gate (the
# `sigv4` group) are left out of IT_GROUPS on purpose (docs/development.md#sam-local-docker).
#
# Containers, sam, DynamoDB Local and a dockerd started here are all stopped on
# success, failure and Ctrl-C. Traffic stays on this machine: loopback, and
# the containers this script starts (which reach DynamoDB Local through
# host.docker.internal, mapped to the Docker bridge's gateway).
#
#   SAM_WARM_CONTAINERS=EAGER|LAZY   (default EAGER: all three start up front, in parallel)
#   SAM_LOCAL_INVOKE_IMAGE=NAME      use this image instead of the real one or the stand-in
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

# ---------------------------------------------------------------------------
# The integration tests that run against API_URL (sam local): modules of the
# one binary `it` (tests/tests/it).
# Left out on purpose: the `sigv4` group (sam local does not enforce IAM
# authorization; docs/development.md#sam-local-docker).
IT_GROUPS=(smoke resume counter manager)
# Tests of what API Gateway does in front of the functions, which sam local
# emulates differently: a request that no route of template.yaml matches never
# reaches a function, and sam local answers it 403 "Missing Authentication
# Token" (no JSON body; AWS answers 403 too, with the template's gateway
# response) where local-api's routers answer 404/405; and sam local cannot pass
# a body that is not UTF-8 to a function (502). Listed by name, not skipped at
# run time; each one runs under local-api (`make integration`).
NOT_UNDER_SAM_LOCAL=(
    unknown_routes_get_a_json_error              # smoke:   GET /no-such-route: 403, not 404
    unknown_routes_and_methods_are_json_errors   # resume:  GET /nope, POST /resume: 403, not 404/405
    junk_ids_are_400                             # resume:  /resume/..%2Fetc%2Fpasswd matches no route: 403, not 400
    only_get_counts_a_visit                      # counter: POST, HEAD /visitorcount: 403, not 405
    other_methods_on_the_manager_route_are_405   # manager: GET /dynamodbmanager: 403, not 405
    wrong_shapes_are_400_naming_the_field_path   # manager: a non-UTF-8 body: sam local's 502, not 400
    an_unsigned_manager_request_is_refused       # smoke:   the SigV4 gate; sam local enforces no IAM
)
run_integration_tests() {
    local skips=() name
    for name in "${NOT_UNDER_SAM_LOCAL[@]}"; do skips+=(--skip "$name"); done
    # `smoke::` etc.: module paths, so the sigv4 group is not selected.
    "$CARGO" test -p integration-tests --locked --no-fail-fast --test it -- \
        "${IT_GROUPS[@]/%/::}" "${skips[@]}"
}

# DynamoDB Local in memory on a free port (sets DDB_PORT), with testkit's
# launcher; it listens on every interface, so the containers reach it.
ddb_start() {
    "$CARGO" build --quiet --locked -p testkit
    DDB_PORT="$(target/debug/dynamodb-local start --free-port --in-memory \
        --pid-file "$WORK/ddb.pid" --log "$WORK/ddb.log")"
}
ddb_stop() {
    [[ -f "$WORK/ddb.pid" ]] || return 0
    target/debug/dynamodb-local stop --pid-file "$WORK/ddb.pid" >/dev/null 2>&1 || true
}
# ---------------------------------------------------------------------------

# One event per function, and the status code it must answer with.
INVOKES=(
    "ResumeFunction events/resume-get.json 200"
    "VisitorCounterFunction events/visitorcount-get.json 200"
    "DynamoDbManagerFunction events/dynamodbmanager-ping.json 200"
)
WARM="${SAM_WARM_CONTAINERS:-EAGER}"

PROG=sam-local-test
log() { echo "$PROG: [$((SECONDS - started)) s] $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# shellcheck source=scripts/lib/sam-local.sh
source scripts/lib/sam-local.sh
export SAM_CLI_TELEMETRY=0
command -v sam >/dev/null || die "sam not found; run this as 'make sam-local-test' (which installs .venv)"
started=$SECONDS
sam_local_check_build || exit 1

WORK="$(mktemp -d /tmp/sam-local-test.XXXXXX)"
DDB_PORT=""
SAM_PID=""
CLEANED=""
invoke_pids=()

# sam's function containers (label sam.cli.container.type=lambda) that were not
# there before this run: sam removes them itself when it exits normally, not
# after a KILL.
sam_containers() { docker ps -aq --no-trunc --filter label=sam.cli.container.type=lambda 2>/dev/null || true; }
PRE_EXISTING=""
remove_containers() {
    [[ -n "$SAM_LOCAL_IMAGE" ]] || return 0
    local id ids=()
    for id in $(sam_containers); do
        [[ " $PRE_EXISTING " == *" $id "* ]] || ids+=("$id")
    done
    ((${#ids[@]} == 0)) || docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
}

cleanup() {
    local rc=$?
    [[ -z "$CLEANED" ]] || return 0
    CLEANED=1
    trap - INT TERM
    if [[ -n "$SAM_PID" ]] && kill -0 "$SAM_PID" 2>/dev/null; then
        kill -TERM "$SAM_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SAM_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SAM_PID" 2>/dev/null || true
        wait "$SAM_PID" 2>/dev/null || true
    fi
    local pid
    for pid in "${invoke_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${invoke_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    remove_containers
    ddb_stop
    sam_local_docker_stop
    if ((rc != 0)) && [[ -d "$WORK" ]]; then
        local keep
        keep="$(mktemp -d /tmp/sam-local-test-logs.XXXXXX)"
        cp "$WORK"/*.log "$keep"/ 2>/dev/null || true
        log "failed (exit $rc); logs kept in $keep"
    fi
    rm -rf "$WORK"
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. Docker, 2. the image ------------------------------------------------
sam_local_docker "$WORK" || exit 1
sam_local_image "$WORK" || exit 1
mapfile -t IMAGE_ARGS < <(sam_local_image_args)
PRE_EXISTING="$(sam_containers | tr '\n' ' ')"

log "Docker and the base image ready"

# --- 3. DynamoDB Local, tables, the example resume --------------------------
ddb_start
log "DynamoDB Local on 127.0.0.1:$DDB_PORT"
RESUME_TABLE="$(sam_local_env_value ResumeFunction RESUME_TABLE)"
MANAGER_TABLE="$(sam_local_env_value DynamoDbManagerFunction MANAGER_TABLE)"
COUNTER_TABLE="$(sam_local_env_value VisitorCounterFunction COUNTER_TABLE)"
VISITS_TABLE="$(sam_local_env_value VisitorCounterFunction VISITS_TABLE)"
SALTS_TABLE="$(sam_local_env_value VisitorCounterFunction SALTS_TABLE)"
RESUME_ID="$(sam_local_env_value ResumeFunction RESUME_ID)"
export RESUME_TABLE MANAGER_TABLE COUNTER_TABLE VISITS_TABLE SALTS_TABLE RESUME_ID
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
"$CARGO" build --quiet --locked -p local-api
"${CARGO_TARGET_DIR:-target}/debug/local-api" publish data/resume.json --create-tables --stack "sam local" >"$WORK/seed.log" 2>&1 ||
    { cat "$WORK/seed.log" >&2; die "publishing data/resume.json to DynamoDB Local failed"; }
sam_local_env_file "$WORK/env.json" "$DDB_PORT"
log "tables created, data/resume.json published"

COMMON=(--template "$SAM_LOCAL_TEMPLATE" --env-vars "$WORK/env.json"
    --add-host host.docker.internal:host-gateway "${IMAGE_ARGS[@]}")

# --- 4. sam local start-api, the integration tests --------------------------
API_PORT="$(sam_local_free_port)"
export API_URL="http://127.0.0.1:$API_PORT"
log "sam local start-api on $API_URL (--warm-containers $WARM)"
sam local start-api "${COMMON[@]}" --host 127.0.0.1 --port "$API_PORT" \
    --warm-containers "$WARM" >"$WORK/sam-start-api.log" 2>&1 &
SAM_PID=$!
up=""
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)); do
    code="$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$API_URL/resume" || true)"
    if [[ "$code" == 200 ]]; then
        up=1
        break
    fi
    kill -0 "$SAM_PID" 2>/dev/null || break
    sleep 0.5
done
if [[ -z "$up" ]]; then
    tail -n 40 "$WORK/sam-start-api.log" >&2
    die "sam local start-api did not serve GET /resume with a 200 within 2 minutes"
fi
log "up; running ${IT_GROUPS[*]} against $API_URL"
it_started=$SECONDS
run_integration_tests
it_secs=$((SECONDS - it_started))

# --- 5. sam local invoke, one event per function (all three at once) -------
for spec in "${INVOKES[@]}"; do
    read -r fn event _ <<<"$spec"
    sam local invoke "$fn" --event "$event" "${COMMON[@]}" \
        >"$WORK/invoke-$fn.json" 2>"$WORK/invoke-$fn.log" &
    invoke_pids+=($!)
done
i=0
for spec in "${INVOKES[@]}"; do
    read -r fn event want <<<"$spec"
    out="$WORK/invoke-$fn.json"
    wait "${invoke_pids[$i]}" ||
        { tail -n 30 "$WORK/invoke-$fn.log" >&2; die "sam local invoke $fn failed"; }
    i=$((i + 1))
    got="$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["statusCode"])' "$out" 2>/dev/null || echo "?")"
    [[ "$got" == "$want" ]] || {
        cat "$out" >&2
        tail -n 30 "$WORK/invoke-$fn.log" >&2
        die "sam local invoke $fn --event $event: statusCode $got, want $want"
    }
    log "sam local invoke $fn --event $event: statusCode $got"
done

log "passed (integration tests ${it_secs} s; image: $SAM_LOCAL_IMAGE_KIND)"
