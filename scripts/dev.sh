#!/usr/bin/env bash
# `make dev`: DynamoDB Local with data kept in .dev/dynamodb, the example resume
# seeded, and the local API on 127.0.0.1:3000. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

DDB_PORT="${DDB_PORT:-8000}"
API_PORT="${API_PORT:-3000}"
DEV_DIR="${DEV_DIR:-.dev}"
PID_FILE="$DEV_DIR/dynamodb-local.pid"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${DDB_PORT}"
# DynamoDB Local accepts any credentials; these keep real ones out of play.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN= AWS_REGION="${AWS_REGION:-us-east-1}"
unset AWS_PROFILE
export LOCAL_API_ADDR="127.0.0.1:${API_PORT}"

mkdir -p "$DEV_DIR"
scripts/dynamodb-local.sh start --port "$DDB_PORT" --pid-file "$PID_FILE" --db-path "$DEV_DIR/dynamodb"
cleanup() { scripts/dynamodb-local.sh stop --pid-file "$PID_FILE" || true; }
trap cleanup EXIT INT TERM

cargo build --quiet -p local-api
./target/debug/local-api seed --file data/resume.json --create-table

echo
echo "DynamoDB Local: $AWS_ENDPOINT_URL_DYNAMODB (data in $DEV_DIR/dynamodb)"
echo "Try: curl -s http://127.0.0.1:${API_PORT}/resume"
echo
# exec would skip the cleanup trap; run it as a child instead.
./target/debug/local-api serve &
wait $!
