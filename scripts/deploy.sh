#!/usr/bin/env bash
# `make deploy CONFIG_ENV=staging|prod|default`: deploys the output of
# `make build` (or of scripts/build-artifact.sh unpack) with sam deploy.
#
#   1. Region: the config-env's own `region` in samconfig.toml (saved by
#      `make deploy-first`: the stack lives there), else AWS_REGION, else
#      AWS_DEFAULT_REGION, else the profile's region, passed to sam as
#      --region. The SAM CLI (botocore) itself reads only AWS_DEFAULT_REGION
#      and the profile, not AWS_REGION.
#   2. The build: scripts/check-build.py refuses a bootstrap that is not an
#      executable (0755) ELF for the template's architecture, naming it.
#   3. The stack: scripts/stack-preflight.py deletes it first if a failed first
#      create left it in ROLLBACK_COMPLETE (CloudFormation cannot update that),
#      and makes the site's origin secret (OriginVerifySecret) when the stack
#      is created; that deploy alone passes it, beside samconfig's overrides.
#   4. sam deploy --config-env ENV, never asking; in the pipeline with the
#      GitHub environment's bucket and execution role:
#        SAM_ARTIFACT_BUCKET     --s3-bucket (else SAM's managed bucket)
#        CFN_EXECUTION_ROLE_ARN  --role-arn  (else the caller's permissions)
#
# DEPLOY_DRY_RUN=1 prints the sam command after 1 and stops (for tests).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

config_env="${CONFIG_ENV:-staging}"
python=.venv/bin/python3
sam=.venv/bin/sam
[[ -x "$python" && -x "$sam" ]] || die "no .venv: run this as 'make deploy' (which installs it)"

# scripts/samconfig.py: the stack name, and the region (see 1.)
settings="$("$python" scripts/samconfig.py "$config_env")" || die "cannot read the stack name of config-env '$config_env'"
IFS=$'\t' read -r stack_name region <<<"$settings"
[[ -n "$region" ]] || die "no region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)"

# No --template-file: sam deploy picks the built template itself, and would
# otherwise look for samconfig.toml next to it, in .aws-sam/build.
cmd=("$sam" deploy --config-env "$config_env" --region "$region"
    --no-confirm-changeset --no-fail-on-empty-changeset --no-progressbar)
[[ -z "${SAM_ARTIFACT_BUCKET:-}" ]] || cmd+=(--no-resolve-s3 --s3-bucket "$SAM_ARTIFACT_BUCKET")
[[ -z "${CFN_EXECUTION_ROLE_ARN:-}" ]] || cmd+=(--role-arn "$CFN_EXECUTION_ROLE_ARN")

echo "$PROG: $stack_name in $region (config-env $config_env)"
if [[ -n "${DEPLOY_DRY_RUN:-}" ]]; then
    printf '%q ' "${cmd[@]}"
    echo
    exit 0
fi

"$python" scripts/check-build.py .aws-sam/build || exit 1

# 3., and the site's origin secret, made once when the stack is created
# (scripts/stack-preflight.py says how): samconfig's overrides plus it.
overrides="$(mktemp)"
trap 'rm -f "$overrides"' EXIT
preflight=("$python" scripts/stack-preflight.py --stack-name "$stack_name" --region "$region"
    --config-env "$config_env" --overrides-out "$overrides")
[[ -z "${CFN_EXECUTION_ROLE_ARN:-}" ]] || preflight+=(--role-arn "$CFN_EXECUTION_ROLE_ARN")
"${preflight[@]}"
[[ ! -s "$overrides" ]] || cmd+=(--parameter-overrides "$(cat "$overrides")")

export SAM_CLI_TELEMETRY=0
"${cmd[@]}"
