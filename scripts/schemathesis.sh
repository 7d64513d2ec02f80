#!/usr/bin/env bash
# Fuzzes the API from docs/openapi.yaml with schemathesis: generated requests
# for every operation, bounded in number; any 5xx fails the run.
#   scripts/schemathesis.sh               against a local stack it starts itself
#   BASE_URL=https://... scripts/schemathesis.sh    against that API
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/local-stack.sh
source scripts/lib/local-stack.sh

ST=.venv/bin/schemathesis
[[ -x "$ST" ]] || { echo "schemathesis is not installed: run make venv" >&2; exit 1; }
trap local_stack_stop EXIT
trap 'exit 130' INT TERM

if [[ -n "${BASE_URL:-}" ]]; then
    url="${BASE_URL%/}"
else
    local_stack_start
    url="$LOCAL_STACK_URL"
fi

echo "schemathesis: docs/openapi.yaml against $url"
"$ST" run docs/openapi.yaml --url "$url" \
    --checks not_a_server_error \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
    --seed 1 \
    --no-color
