#!/usr/bin/env bash
# `make resume-publish`: publishes an owner's JSON Resume file as the resume a
# stack serves at GET /resume, under that stack's own ResumeId, and writes
# only if the stored document differs (`local-api publish`). The pipeline's
# step, and the owner's by hand.
#
#   CONFIG_ENV=staging|prod|...  the stack of that config-env of samconfig.toml:
#                   table and id from its outputs ResumeTableName and ResumeId
#                   (scripts/stack-outputs.sh; AWS credentials); with a
#                   SiteDistributionId output, a created or updated resume
#                   invalidates /api/resume* (and /resume*) there
#   CONFIG_ENV=local             the running `make dev` (its $DEV_DIR/env)
#   FILE=...        the file (default data/resume.json)
#   ID=...          optional; must be the stack's ResumeId: any other id is an
#                   error naming the file, the id and the stack
#   DRY_RUN=1       say what would change, write nothing
#
# AWS_ENDPOINT_URL_DYNAMODB, if set, stands in for DynamoDB in AWS
# (make rehearse-staging).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

CONFIG_ENV="${CONFIG_ENV:-staging}"
FILE="${FILE:-data/resume.json}"
args=("$FILE")
[[ -z "${ID:-}" ]] || args+=(--id "$ID")
[[ -z "${DRY_RUN:-}" ]] || args+=(--dry-run)

if [[ "$CONFIG_ENV" == local ]]; then
    env_file="${DEV_DIR:-.dev}/env"
    [[ -f "$env_file" ]] || die "CONFIG_ENV=local publishes to a running \`make dev\`, and $env_file is missing: start make dev first"
    # shellcheck disable=SC1090 # written by scripts/dev.sh
    . "$env_file"
    export AWS_ENDPOINT_URL_DYNAMODB="$DEV_DYNAMODB_URL" RESUME_TABLE="$DEV_RESUME_TABLE" RESUME_ID="$DEV_RESUME_ID"
    # DynamoDB Local accepts any credentials; these keep real ones out of play.
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION="${AWS_REGION:-us-east-1}"
    unset AWS_PROFILE AWS_SESSION_TOKEN
    stack="make dev"
else
    # shellcheck source=scripts/lib/outputs.sh
    . scripts/lib/outputs.sh
    outputs_load "$CONFIG_ENV"
    stack="$(output STACK_NAME)"
    RESUME_TABLE="$(output RESUME_TABLE)"
    RESUME_ID="$(output RESUME_ID)"
    [[ -n "$RESUME_TABLE" ]] || die "stack $stack has no ResumeTableName output"
    # A stack deployed before the template had this output: publishing under
    # a guessed id is what served the wrong resume (or none).
    [[ -n "$RESUME_ID" ]] || die "stack $stack has no ResumeId output, so which resume it serves is unknown: deploy it again (make deploy CONFIG_ENV=$CONFIG_ENV), then publish"
    export RESUME_TABLE RESUME_ID
    # The site's CDN caches GET /api/resume*: a changed resume invalidates it.
    distribution="$(output SITE_DISTRIBUTION_ID)"
    [[ -z "$distribution" ]] || args+=(--distribution "$distribution")
fi
exec "${CARGO:-cargo}" run --quiet --locked -p local-api -- publish "${args[@]}" --stack "$stack"
