#!/usr/bin/env bash
# Runs the Postman collection in postman/ with newman (pinned in package.json).
#
#   scripts/newman.sh                 start a local stack on free ports (DynamoDB
#                                     Local in memory + target/debug/local-api),
#                                     run the collection, stop both, even on failure
#   BASE_URL=https://... SITE_ORIGIN=https://me.example.com scripts/newman.sh
#                                     run it against that API instead (a deployed
#                                     stage: the ApiUrl output, stage included);
#                                     TABLE_NAME names its managed table
#
# SITE_ORIGIN: the site's origin the counter requests send; it must be on the
# API's ALLOWED_ORIGINS (the stack's AllowedOrigins). Default, locally:
# http://localhost:8080, which the local stack is started to allow.
# COUNT_VIEW: 1 makes the first counter request a browser's, so it counts one
# view; 0 sends a bot's User-Agent and expects it uncounted. Default: 1 locally,
# 0 against BASE_URL, so a run against production counts nothing. Locally the
# counter folder also runs with COUNT_VIEW=0, so both ways are tested.
#
# Prints "newman: N passed, N failed" last and exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

COLLECTION=postman/dynamodbmanager.postman_collection.json
ENVIRONMENT=postman/local.postman_environment.json
NEWMAN=node_modules/.bin/newman
TABLE_NAME="${TABLE_NAME:-lambda-apigateway}"
# A User-Agent that isbot (the counter's bot list) takes for a bot.
BOT_UA="Mozilla/5.0 (compatible; resume-backend-newman/1.0; bot)"
if [[ -n "${BASE_URL:-}" ]]; then
    SITE_ORIGIN="${SITE_ORIGIN:?set SITE_ORIGIN to one of the AllowedOrigins of the stage, e.g. https://me.example.com}"
    COUNT_VIEW="${COUNT_VIEW:-0}"
else
    SITE_ORIGIN="${SITE_ORIGIN:-http://localhost:8080}"
    COUNT_VIEW="${COUNT_VIEW:-1}"
fi
CARGO="${CARGO:-cargo}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

[[ -x "$NEWMAN" ]] || { echo "newman is not installed: run npm ci" >&2; exit 1; }

work="$(mktemp -d)"
api_pid=""
# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
    local status=$?
    if [[ -n "$api_pid" ]] && kill -0 "$api_pid" 2>/dev/null; then
        kill "$api_pid" 2>/dev/null || true
        wait "$api_pid" 2>/dev/null || true
    fi
    if [[ -f "$work/ddb.pid" ]]; then
        "$TARGET_DIR/debug/dynamodb-local" stop --pid-file "$work/ddb.pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$work/api.log" ]]; then
        echo "--- last lines of the local API log ---" >&2
        tail -n 30 "$work/api.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${BASE_URL:-}" ]]; then
    base_url="${BASE_URL%/}"
else
    "$CARGO" build --quiet --locked -p local-api -p testkit
    # shellcheck source=scripts/lib/local-stack.sh
    source scripts/lib/local-stack.sh
    ddb_port="$(ddb_start_on_free_port "$work/ddb.pid" "$work/ddb.log")"

    # The log exists before local-api does, so the wait below never reads a
    # file that is not there yet (the background job opens it when it runs).
    : >"$work/api.log"
    # DynamoDB Local accepts any credentials; these keep real ones out of play.
    env -u AWS_PROFILE -u AWS_SESSION_TOKEN \
        AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${ddb_port}" \
        AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 \
        LOCAL_API_ADDR=127.0.0.1:0 MANAGER_TABLE="$TABLE_NAME" ALLOWED_ORIGINS="$SITE_ORIGIN" RUST_LOG=warn \
        "$TARGET_DIR/debug/local-api" serve >"$work/api.log" 2>&1 &
    api_pid=$!

    # local-api prints the address it bound (port 0: the kernel picks a free one).
    base_url="$(await_line "$work/api.log" "$api_pid" 's/^local API on \(http:\/\/[^ ]*\).*/\1/p' 600)" ||
        { echo "local-api did not start within 60 s, or exited" >&2; exit 1; }
fi

# Against a stage, requests are signed with the caller's AWS credentials (the
# environment file holds the local key for a local stack).
signing=()
if [[ -n "${BASE_URL:-}" ]]; then
    signing=(--env-var "accessKey=${AWS_ACCESS_KEY_ID:?set AWS credentials to sign}"
        --env-var "secretKey=${AWS_SECRET_ACCESS_KEY:?}"
        --env-var "sessionToken=${AWS_SESSION_TOKEN:-}"
        --env-var "region=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}")
fi
# Runs the collection (or one folder: --folder NAME) with COUNT_VIEW $1;
# the JSON report goes to $2.
run_newman() {
    local count_view="$1" report="$2"
    shift 2
    local -a view=(--env-var "expectCounted=true")
    if [[ "$count_view" == 0 ]]; then
        view=(--env-var "expectCounted=false" --env-var "viewUserAgent=$BOT_UA")
    fi
    "$NEWMAN" run "$COLLECTION" \
        --environment "$ENVIRONMENT" \
        --env-var "baseUrl=$base_url" \
        --env-var "tableName=$TABLE_NAME" \
        --env-var "siteOrigin=$SITE_ORIGIN" \
        "${view[@]}" \
        "${signing[@]}" \
        "$@" \
        --timeout-request 30000 \
        --reporters cli,json --reporter-json-export "$report" \
        --color off --disable-unicode
}

counts="counts one view"
[[ "$COUNT_VIEW" == 1 ]] || counts="counts no view (COUNT_VIEW=1 counts one)"
echo "newman: running $COLLECTION against $base_url (site origin $SITE_ORIGIN; $counts)"
set +e
run_newman "$COUNT_VIEW" "$work/report.json"
newman_status=$?
if [[ -z "${BASE_URL:-}" && $newman_status -eq 0 ]]; then
    echo "newman: the counter folder again, as against a stage (COUNT_VIEW=0: a bot's User-Agent, nothing counted)"
    run_newman 0 "$work/report-uncounted.json" --folder "GET /visitorcount"
    newman_status=$?
fi
set -e

for report in "$work/report.json" "$work/report-uncounted.json"; do
    [[ -s "$report" ]] || continue
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e '
        const run = require(process.argv[1]).run;
        const a = run.stats.assertions;
        const failed = a.failed + run.failures.filter(f => f.error && f.error.name !== "AssertionError").length;
        console.log(`newman: ${a.total - a.failed} passed, ${failed} failed`);
    ' "$report"
done
exit "$newman_status"
