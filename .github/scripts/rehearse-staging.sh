#!/usr/bin/env bash
# Rehearses deploy.yml's staging job on this machine, with a local stack in
# place of the AWS one (`make rehearse-staging`, part of `make test`):
#
#   deploy.yml (staging job)                  here
#   sam deploy --config-env staging           DynamoDB Local + `local-api serve`, free ports
#   scripts/stack-outputs.sh --github         the same KEY=VALUE lines, into a GITHUB_ENV file
#   make resume-publish                       make resume-publish
#   make integration  (API_URL set)           make integration  (API_URL set), but for
#                                             the modules that never reach API_URL
#   make smoke        (production job)        make smoke        (API_URL set)
#
# So the suite is proven to pass the way the pipeline runs it: over HTTP
# against a base URL, with the table names from the environment, after the
# owner's resume was published by `make resume-publish`.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=scripts/lib/local-stack.sh
source scripts/lib/local-stack.sh
work="$(mktemp -d /tmp/rehearse-staging.XXXXXX)"
api_port="$(free_port)"
api_pid=""
stop() {
    stop_process_and_ddb "$api_pid" "$work/dynamodb-local.pid"
    rm -rf "$work"
}
trap stop EXIT

# --- "sam deploy": a stack with its own table names -------------------------
cargo build --quiet --locked -p local-api -p testkit
ddb_port="$(ddb_start_on_free_port "$work/dynamodb-local.pid" "$work/dynamodb-local.log")"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

# What the staging stack's outputs would say (names as CloudFormation makes them).
stage="rehearsal-$$"
cat >"$work/github-env" <<EOF
API_URL=http://127.0.0.1:$api_port
RESUME_TABLE=$stage-ResumeTable
MANAGER_TABLE=$stage-ManagerTable
COUNTER_TABLE=$stage-CounterTable
VISITS_TABLE=$stage-VisitsTable
SALTS_TABLE=$stage-SaltsTable
EOF
# The deployed functions read these names from the template; so does the
# local API (same variables). Only the steps below see API_URL.
set -a
# shellcheck disable=SC1091
source "$work/github-env"
set +a
LOCAL_API_ADDR="127.0.0.1:$api_port" ./target/debug/local-api serve >"$work/local-api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 120); do
    curl -s -o /dev/null "$API_URL/resume" && break
    kill -0 "$api_pid" 2>/dev/null || { echo "local-api exited:"; cat "$work/local-api.log"; exit 1; }
    sleep 0.5
done
curl -s -o /dev/null "$API_URL/resume" || { echo "local-api did not answer on $API_URL"; cat "$work/local-api.log"; exit 1; }
echo "rehearse-staging: stack at $API_URL (DynamoDB Local :$ddb_port), tables $stage-*"

# --- the staging job's steps, as deploy.yml runs them ------------------------
make --no-print-directory resume-publish FILE=data/resume.json
# These modules of tests/it test in-process routers against a DynamoDB Local of
# their own, never the stack: API_URL changes nothing in them, so here they
# would repeat make test's run (make rust-tests) exactly. deploy.yml's staging
# job runs them all the same.
in_process=(counter_views events faults metrics routes tables view_faults)
for module in "${in_process[@]}"; do
    if grep -q 'stack()' "tests/tests/it/$module.rs"; then
        echo "rehearse-staging: tests/tests/it/$module.rs now uses the stack: take it out of in_process" >&2
        exit 1
    fi
done
make --no-print-directory integration IT_SKIP="${in_process[*]}"
PUBLISHED_RESUME=data/resume.json make --no-print-directory smoke
echo "rehearse-staging: publish, integration and smoke passed against $API_URL"
