#!/usr/bin/env bash
# Prints a deployed stack's CloudFormation outputs as KEY=VALUE lines, named
# the way the code and the test harness read them:
#
#   ApiUrl           -> API_URL
#   ResumeTableName  -> RESUME_TABLE     (a trailing "TableName" becomes "_TABLE")
#   ResumeTable      -> RESUME_TABLE
#   SomeOtherThing   -> SOME_OTHER_THING
#
# and first STACK_NAME=the stack's name.
#
# It asks CloudFormation through the SAM CLI (`sam list stack-outputs`), so the
# AWS CLI is not needed; credentials and region come from the usual AWS
# variables (in the pipeline: aws-actions/configure-aws-credentials).
#
# Usage:
#   scripts/stack-outputs.sh --config-env ENV   [--region R] [--github]
#   scripts/stack-outputs.sh --stack-name NAME  [--region R] [--github]
#
#   --config-env ENV  the stack name (and region, if set) of ENV in samconfig.toml
#   --stack-name NAME the stack name itself
#   --region R        overrides the region (default: samconfig, then AWS_REGION,
#                     then AWS_DEFAULT_REGION; passed to sam as --region, since
#                     the SAM CLI itself does not read AWS_REGION)
#   --github          also append the lines to $GITHUB_ENV, and api_url=...,
#                     url=... (SiteUrl if the stack has one, else ApiUrl: the
#                     environment's link) and stack_name=... to $GITHUB_OUTPUT,
#                     for the following steps of the job (then an ApiUrl
#                     output is required)
#
# Locally: set -a; source <(scripts/stack-outputs.sh --config-env staging); set +a
# The deploy-role stacks (deploy/github-oidc-role.yaml) print the GitHub
# environment variables to set: AWS_ROLE_ARN, CFN_EXECUTION_ROLE_ARN, ...
set -euo pipefail

PROG="$(basename "$0")"
REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"

# shellcheck source=scripts/lib/die.sh
. "$REPO_ROOT/scripts/lib/die.sh"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

config_env=""
stack_name=""
region=""
github=0
while (($# > 0)); do
    case "$1" in
        --config-env | --stack-name | --region)
            (($# >= 2)) || die "$1 requires a value"
            case "$1" in
                --config-env) config_env="$2" ;;
                --stack-name) stack_name="$2" ;;
                --region) region="$2" ;;
            esac
            shift 2
            ;;
        --github)
            github=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown argument: $1 (see $PROG --help)" ;;
    esac
done
[[ -n "$config_env" || -n "$stack_name" ]] || die "give --config-env ENV or --stack-name NAME (see $PROG --help)"
[[ -z "$config_env" || -z "$stack_name" ]] || die "--config-env and --stack-name are mutually exclusive"

# Python 3.11+ (tomllib): the project venv's, else the system's.
python="$REPO_ROOT/.venv/bin/python3"
[[ -x "$python" ]] || python="$(command -v python3 || true)"
[[ -n "$python" ]] || die "python3 not found (run make venv)"

sam="$REPO_ROOT/.venv/bin/sam"
[[ -x "$sam" ]] || sam="$(command -v sam || true)"
[[ -n "$sam" ]] || die "the SAM CLI is not installed (run make venv)"

if [[ -n "$config_env" ]]; then
    # "stack_name<TAB>region" of ENV (scripts/samconfig.py: the config-env's
    # region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's).
    settings="$("$python" "$REPO_ROOT/scripts/samconfig.py" "$config_env" --file "$REPO_ROOT/samconfig.toml")" ||
        die "cannot read the stack name of config-env '$config_env'"
    IFS=$'\t' read -r stack_name config_region <<<"$settings"
    [[ -n "$region" ]] || region="$config_region"
fi

[[ -n "$region" ]] || region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
args=(list stack-outputs --stack-name "$stack_name" --output json)
[[ -z "$region" ]] || args+=(--region "$region")
json="$(SAM_CLI_TELEMETRY=0 "$sam" "${args[@]}")" ||
    die "cannot read the outputs of stack '$stack_name'${region:+ in $region} (is it deployed, and are AWS credentials set?)"

lines="$("$python" -c '
import json, re, sys
outputs = json.loads(sys.argv[1])
seen = {"STACK_NAME": "the stack name"}
print(f"STACK_NAME={sys.argv[3]}")
for output in outputs:
    key, value = output.get("OutputKey", ""), str(output.get("OutputValue", ""))
    if not key or "\n" in value:
        continue
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name).upper()
    name = re.sub(r"_TABLE_NAME$", "_TABLE", name)
    if name in seen:
        sys.exit(f"outputs {seen[name]} and {key} both map to {name}")
    seen[name] = key
    print(f"{name}={value}")
if sys.argv[2] == "1" and "API_URL" not in seen:
    sys.exit("the stack has no ApiUrl output")
' "$json" "$github" "$stack_name")" || die "unexpected outputs of stack '$stack_name'"

printf '%s\n' "$lines"

if ((github)); then
    [[ -n "${GITHUB_ENV:-}" && -n "${GITHUB_OUTPUT:-}" ]] || die "--github: GITHUB_ENV and GITHUB_OUTPUT are not set (not in GitHub Actions?)"
    printf '%s\n' "$lines" >>"$GITHUB_ENV"
    api_url="$(sed -n 's/^API_URL=//p' <<<"$lines")"
    echo "api_url=$api_url" >>"$GITHUB_OUTPUT"
    # The environment's link in GitHub: the site where the stack has one.
    site_url="$(sed -n 's/^SITE_URL=//p' <<<"$lines")"
    echo "url=${site_url:-$api_url}" >>"$GITHUB_OUTPUT"
    echo "stack_name=$stack_name" >>"$GITHUB_OUTPUT"
fi
