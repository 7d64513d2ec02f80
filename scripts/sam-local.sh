#!/usr/bin/env bash
# `make sam-local`: `sam local start-api` on 127.0.0.1:3000 (SAM_LOCAL_PORT)
# against DynamoDB Local on port 8000 (DDB_PORT; data in .dev/dynamodb, as `make dev`),
# seeded with data/resume.json. Docker, the base image and the functions'
# environment come from scripts/lib/sam-local.sh, as for `make sam-local-test`.
# Extra arguments go to `sam local start-api` (e.g. --docker-network NAME).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/sam-local.sh
source scripts/lib/sam-local.sh
export SAM_CLI_TELEMETRY=0
sam_local_check_build || exit 1
mkdir -p .dev
DDB_PORT="${DDB_PORT:-8000}"
PORT="${SAM_LOCAL_PORT:-3000}"

stop() {
    target/debug/dynamodb-local stop --pid-file .dev/dynamodb-local.pid >/dev/null || true
    sam_local_docker_stop
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sam_local_docker .dev || exit 1
sam_local_image .dev || exit 1
mapfile -t image_args < <(sam_local_image_args)
sam_local_env_file .dev/env.json "$DDB_PORT"

# With local-api (run below): one build, the one make test and make dev make.
"${CARGO:-cargo}" build --quiet --locked -p local-api -p testkit
target/debug/dynamodb-local start --port "$DDB_PORT" --pid-file .dev/dynamodb-local.pid --db-path .dev/dynamodb
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
# The resume the functions serve (env.json's RESUME_ID), as make dev publishes it.
AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT" RESUME_ID="$(sam_local_env_value ResumeFunction RESUME_ID)" \
    "${CARGO:-cargo}" run --quiet --locked -p local-api -- \
    publish data/resume.json --create-tables --stack "sam local"

sam local start-api --template "$SAM_LOCAL_TEMPLATE" --env-vars .dev/env.json \
    --host 127.0.0.1 --port "$PORT" --warm-containers LAZY \
    --add-host host.docker.internal:host-gateway "${image_args[@]}" "$@"
