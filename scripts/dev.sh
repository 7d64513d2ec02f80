#!/usr/bin/env bash
# `make dev`: DynamoDB Local with data kept in .dev/dynamodb, the example resume
# seeded, the local API on 127.0.0.1:3000 and the visitor counter's example
# frontend on 127.0.0.1:8080. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

DDB_PORT="${DDB_PORT:-8000}"
API_PORT="${API_PORT:-3000}"
FRONTEND_PORT="${FRONTEND_PORT:-8080}"
DEV_DIR="${DEV_DIR:-.dev}"
PID_FILE="$DEV_DIR/dynamodb-local.pid"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${DDB_PORT}"
# DynamoDB Local accepts any credentials; these keep real ones out of play.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN='' AWS_REGION="${AWS_REGION:-us-east-1}"
unset AWS_PROFILE
export LOCAL_API_ADDR="127.0.0.1:${API_PORT}"
# The example frontend's origin is allow-listed unless ALLOWED_ORIGINS says otherwise.
export ALLOWED_ORIGINS="${ALLOWED_ORIGINS-http://localhost:${FRONTEND_PORT},http://127.0.0.1:${FRONTEND_PORT}}"

# cargo's own progress shows: a first build takes minutes.
echo "Building local-api and the DynamoDB Local launcher (cargo build -p local-api -p testkit)..."
cargo build -p local-api -p testkit
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DDB="$TARGET_DIR/debug/dynamodb-local"

mkdir -p "$DEV_DIR"
"$DDB" start --port "$DDB_PORT" --pid-file "$PID_FILE" --db-path "$DEV_DIR/dynamodb" >/dev/null
FRONTEND_PID=""
cleanup() {
    [ -z "$FRONTEND_PID" ] || kill "$FRONTEND_PID" 2>/dev/null || true
    "$DDB" stop --pid-file "$PID_FILE" || true
}
trap cleanup EXIT INT TERM

"$TARGET_DIR/debug/local-api" seed --file data/resume.json --create-table

echo
echo "DynamoDB Local: $AWS_ENDPOINT_URL_DYNAMODB (data in $DEV_DIR/dynamodb)"
echo "Try: curl -s http://127.0.0.1:${API_PORT}/resume"
echo "     curl -i -H 'Origin: http://127.0.0.1:${FRONTEND_PORT}' -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' http://127.0.0.1:${API_PORT}/visitorcount"
# The manager's routes need SigV4, as in AWS (IAM authorization).
echo "The manager's routes (/dynamodbmanager, /items) need SigV4-signed requests:"
echo "     access key ${LOCAL_IAM_ACCESS_KEY_ID:-local}, secret ${LOCAL_IAM_SECRET_ACCESS_KEY:-local}, region ${LOCAL_IAM_REGION:-us-east-1}, service execute-api"
echo "     curl -s --aws-sigv4 aws:amz:${LOCAL_IAM_REGION:-us-east-1}:execute-api --user ${LOCAL_IAM_ACCESS_KEY_ID:-local}:${LOCAL_IAM_SECRET_ACCESS_KEY:-local} http://127.0.0.1:${API_PORT}/dynamodbmanager -d '{\"operation\": \"ping\"}'"
# The visitor counter's example page (examples/frontend) on a second origin.
FRONTEND_URL="http://127.0.0.1:${FRONTEND_PORT}/"
[ "$API_PORT" = 3000 ] || FRONTEND_URL="${FRONTEND_URL}?api=http://127.0.0.1:${API_PORT}"
if (exec 3<>"/dev/tcp/127.0.0.1/${FRONTEND_PORT}") 2>/dev/null; then
    echo "Frontend: port ${FRONTEND_PORT} is busy, not serving examples/frontend (set FRONTEND_PORT)"
else
    node scripts/serve-frontend.mjs --host 127.0.0.1 --port "$FRONTEND_PORT" --dir examples/frontend >/dev/null &
    FRONTEND_PID=$!
    echo "Frontend (visitor counter example): ${FRONTEND_URL}"
fi
echo
# exec would skip the cleanup trap; run it as a child instead.
"$TARGET_DIR/debug/local-api" serve &
wait $!
