#!/usr/bin/env bash
# Fuzzes the API from docs/openapi.yaml with schemathesis: generated requests
# for every operation, bounded in number; any 5xx fails the run. Operations
# with IAM authorization (the manager's, the resume writes) are signed with SigV4
# (tests/schemathesis/sigv4_hooks.py), so fuzzing reaches the handlers; a
# second, unsigned pass over them must get only 403s.
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
    # The local SigV4 gate's key (local-api's defaults).
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
    unset AWS_SESSION_TOKEN
fi
export SCHEMATHESIS_HOOKS=sigv4_hooks PYTHONPATH="$PWD/tests/schemathesis${PYTHONPATH:+:$PYTHONPATH}"

echo "schemathesis: docs/openapi.yaml against $url (secured operations signed)"
SCHEMATHESIS_SIGV4=sign "$ST" run docs/openapi.yaml --url "$url" \
    --checks not_a_server_error \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
    --seed 1 \
    --no-color

echo "schemathesis: the secured operations unsigned: only 403s"
SCHEMATHESIS_SIGV4=none "$ST" run docs/openapi.yaml --url "$url" \
    --include-path-regex '^/(dynamodbmanager|items|resume/)' \
    --checks not_a_server_error,refused_unsigned \
    --max-examples "${SCHEMATHESIS_UNSIGNED_EXAMPLES:-10}" \
    --seed 1 \
    --no-color
