#!/usr/bin/env bash
# `make site-publish`: uploads a site folder to a stack's bucket, then
# invalidates what changed on its CloudFront distribution (`local-api
# site-publish`: Content-Type and Cache-Control per file, unchanged objects
# skipped, objects without a file deleted). The pipeline's step, and the
# owner's by hand.
#
#   CONFIG_ENV=staging|prod|default  the stack of that config-env of samconfig.toml:
#                   bucket and distribution from its outputs SiteBucketName and
#                   SiteDistributionId (scripts/stack-outputs.sh; AWS credentials)
#   CONFIG_ENV=local  nothing to upload: `make dev` serves the folder as it is
#   SITE_DIR=...    the folder (default examples/frontend)
#   DRY_RUN=1       say what would change, write nothing
#
# AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3, _CLOUDFRONT, _CLOUDFORMATION), if
# set, stands in for AWS (make rehearse-deploy: moto on loopback).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

CONFIG_ENV="${CONFIG_ENV:-staging}"
SITE_DIR="${SITE_DIR:-examples/frontend}"
[[ -d "$SITE_DIR" ]] || die "SITE_DIR=$SITE_DIR is not a folder"

if [[ "$CONFIG_ENV" == local ]]; then
    echo "$PROG: CONFIG_ENV=local: \`make dev\` serves $SITE_DIR as it is (with /api on the same origin); nothing to upload"
    exit 0
fi

# shellcheck source=scripts/lib/outputs.sh
. scripts/lib/outputs.sh
outputs_load "$CONFIG_ENV"
stack="$(output STACK_NAME)"
bucket="$(output SITE_BUCKET_NAME)"
distribution="$(output SITE_DISTRIBUTION_ID)"
[[ -n "$bucket" ]] || die "stack $stack has no SiteBucketName output: it hosts no site (SiteHosting=false, or deployed before the template had one): deploy it with SiteHosting=true (make deploy CONFIG_ENV=$CONFIG_ENV), then publish"
args=(--dir "$SITE_DIR" --bucket "$bucket")
[[ -z "$distribution" ]] || args+=(--distribution "$distribution")
[[ -z "${DRY_RUN:-}" ]] || args+=(--dry-run)
echo "$PROG: $SITE_DIR -> stack $stack (bucket $bucket${distribution:+, distribution $distribution})"
exec "${CARGO:-cargo}" run --quiet --locked -p local-api -- site-publish "${args[@]}"
