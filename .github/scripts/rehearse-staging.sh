#!/usr/bin/env bash
# Rehearses deploy.yml's staging job on this machine, with loopback stand-ins
# for AWS (`make rehearse-staging`, part of `make test`):
#
#   deploy.yml (staging job)                  here
#   sam deploy --config-env staging           a stack in CloudFormation on moto_server, with
#                                             template.yaml's outputs as a deploy with
#                                             ResumeId=owner-rehearsal values them; DynamoDB
#                                             Local and `local-api serve` as its tables and API
#   scripts/stack-outputs.sh --github         the same, into GITHUB_ENV and GITHUB_OUTPUT files
#   make resume-publish CONFIG_ENV=staging    the same (it reads ResumeTableName and ResumeId)
#   make site-publish CONFIG_ENV=staging      the same, into S3 and CloudFront on moto (make
#                                             rehearse-deploy's step 5 checks every object)
#   make integration  (API_URL set)           make integration  (API_URL set), but for
#                                             the modules that never reach API_URL
#   make browser-test SITE_URL="$SITE_URL"    the same, SiteUrl being a second `local-api
#                                             serve` with the site on one origin
#   make smoke        (production job)        make smoke        (API_URL, PUBLISHED_RESUME set)
#
# So the suite is proven to pass the way the pipeline runs it: over HTTP
# against a base URL, with the stack's table names and ResumeId from its
# outputs, after the owner's resume was published under the id the stack
# serves (not `example`, the local default: smoke's GET /resume would 404).
# Publishing under an id the stack does not serve must fail, naming the
# file, the id and the stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROG=rehearse-staging
# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh
# shellcheck source=scripts/lib/local-stack.sh
source scripts/lib/local-stack.sh
[[ -x .venv/bin/sam && -x .venv/bin/moto_server ]] || die "no .venv with sam and moto: run this as 'make rehearse-staging'"

work="$(mktemp -d /tmp/rehearse-staging.XXXXXX)"
api_port="$(free_port)"
site_port="$(free_port)"
api_pid=""
site_pid=""
MOTO_PID=""
stop() {
    [[ -z "$MOTO_PID" ]] || { kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; }
    [[ -z "$site_pid" ]] || { kill "$site_pid" 2>/dev/null || true; wait "$site_pid" 2>/dev/null || true; }
    stop_process_and_ddb "$api_pid" "$work/dynamodb-local.pid"
    rm -rf "$work"
}
trap stop EXIT

cargo build --quiet --locked -p local-api -p testkit
ddb_port="$(ddb_start_on_free_port "$work/dynamodb-local.pid" "$work/dynamodb-local.log")"
moto_start "$work/moto.log" || die "moto_server did not start"
# Nothing here reaches AWS: DynamoDB Local, and CloudFormation, S3 and
# CloudFront on moto.
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port" AWS_ENDPOINT_URL_CLOUDFORMATION="$MOTO_URL"
export AWS_ENDPOINT_URL_S3="$MOTO_URL" AWS_ENDPOINT_URL_CLOUDFRONT="$MOTO_URL"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

# --- "sam deploy": the staging stack, outputs as template.yaml defines them ---
resume_id=owner-rehearsal
stack="$(.venv/bin/python3 - "http://127.0.0.1:$api_port" "$resume_id" "http://127.0.0.1:$site_port" "$MOTO_URL" <<'PY'
import importlib.util, json, re, sys, tomllib
import boto3
sys.path.insert(0, "scripts/lib")
import stand_in

api_url, resume_id, site_url, moto = sys.argv[1:]
# template.yaml with its Fn::ForEach loops expanded (scripts/template-expanded.py).
spec = importlib.util.spec_from_file_location("template_expanded", "scripts/template-expanded.py")
expanded = importlib.util.module_from_spec(spec)
spec.loader.exec_module(expanded)
template = expanded.expand_foreach(expanded.load_template("template.yaml"))
with open("samconfig.toml", "rb") as f:
    deploy = tomllib.load(f)["staging"]["deploy"]["parameters"]
params = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|(\S+))', deploy["parameter_overrides"])}
params["ResumeId"] = resume_id
stack = deploy["stack_name"]

site = params.get("SiteHosting", template["Parameters"]["SiteHosting"]["Default"]) == "true"
values = {}
if site:
    # What the site's publishing steps write to: S3 and CloudFront on moto.
    values["SiteBucketName"], distribution = stand_in.site(moto, stack)
    values["SiteDistributionId"] = distribution["Id"]
for key, out in template["Outputs"].items():
    condition = out.get("Condition")
    if condition is not None and not (condition == "HasSite" and site):
        continue  # the optional features (custom domain, ...) are off; the site as staging has it
    value = out["Value"]
    if key in values:
        continue
    if key == "ApiUrl":
        values[key] = api_url
    elif key == "SiteUrl":
        values[key] = site_url
    elif isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        parameter = template.get("Parameters", {}).get(ref)
        # A parameter's value, or a resource's name as CloudFormation makes one.
        values[key] = str(params.get(ref, parameter.get("Default", ""))) if parameter else f"{stack}-{ref}"
    else:
        values[key] = f"rehearsal-{key}"
body = {"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {k: {"Value": v} for k, v in values.items()}}
boto3.client("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps(body))
print(stack)
PY
)" || die "cannot create the stand-in stack"

# --- the staging job's steps, as deploy.yml runs them ------------------------
export GITHUB_ENV="$work/github-env" GITHUB_OUTPUT="$work/github-output"
: >"$GITHUB_ENV"
: >"$GITHUB_OUTPUT"
scripts/stack-outputs.sh --config-env staging --github >/dev/null
grep -qx "RESUME_ID=$resume_id" "$GITHUB_ENV" || die "the stack outputs gave no RESUME_ID=$resume_id: $(cat "$GITHUB_ENV")"
# What GitHub does with GITHUB_ENV between steps.
set -a
# shellcheck disable=SC1090 # written just above
source "$GITHUB_ENV"
set +a
# The deployed functions read these settings from the template; so does the
# local API (the same variables).
LOCAL_API_ADDR="127.0.0.1:$api_port" ./target/debug/local-api serve >"$work/local-api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 120); do
    curl -s -o /dev/null "$API_URL/resume" && break
    kill -0 "$api_pid" 2>/dev/null || { cat "$work/local-api.log"; die "local-api exited"; }
    sleep 0.5
done
curl -s -o /dev/null "$API_URL/resume" || { cat "$work/local-api.log"; die "local-api did not answer on $API_URL"; }
# deploy.yml's browser step needs the staging stack's site (SiteHosting on);
# the environment's link is that site.
[[ -n "${SITE_URL:-}" ]] || die "the staging stack has no SiteUrl output (SiteHosting=false in samconfig.toml?): deploy.yml's browser test needs it"
grep -qx "url=$SITE_URL" "$GITHUB_OUTPUT" || die "stack-outputs.sh --github gave no url=$SITE_URL: $(cat "$GITHUB_OUTPUT")"
# The distribution's stand-in: the site and the API on one origin, as `make
# dev` serves them, on the same tables.
SITE_DIR=examples/frontend LOCAL_API_ADDR="127.0.0.1:$site_port" ./target/debug/local-api serve >"$work/site.log" 2>&1 &
site_pid=$!
echo "rehearse-staging: stack $stack at $API_URL (DynamoDB Local :$ddb_port, CloudFormation on $MOTO_URL), ResumeId $resume_id"

FILE=data/resume.json make --no-print-directory resume-publish CONFIG_ENV=staging | tee "$work/resume-publish.log"
grep -qF "distribution $SITE_DISTRIBUTION_ID: invalidated /api/resume* /resume*" "$work/resume-publish.log" ||
    die "publishing the resume did not invalidate its cached paths on distribution $SITE_DISTRIBUTION_ID"
SITE_DIR=examples/frontend make --no-print-directory site-publish CONFIG_ENV=staging
# An id the stack does not serve: refused, naming the file, the id and the stack.
if FILE=data/resume.json make --no-print-directory resume-publish CONFIG_ENV=staging ID=example >"$work/mismatch.log" 2>&1; then
    die "resume-publish ID=example published under an id stack $stack does not serve"
fi
for name in data/resume.json "'example'" "stack $stack" "'$resume_id'"; do
    grep -qF "$name" "$work/mismatch.log" || die "resume-publish ID=example did not name $name: $(cat "$work/mismatch.log")"
done
# These modules of tests/it test in-process routers against a DynamoDB Local of
# their own, never the stack: API_URL changes nothing in them, so here they
# would repeat make test's run (make rust-tests) exactly. deploy.yml's staging
# job runs them all the same.
in_process=(counter_views events faults metrics routes tables view_cost view_faults)
for module in "${in_process[@]}"; do
    if grep -q 'stack()' "tests/tests/it/$module.rs"; then
        die "tests/tests/it/$module.rs now uses the stack: take it out of in_process"
    fi
done
make --no-print-directory integration IT_SKIP="${in_process[*]}"
curl -sf -o /dev/null "$SITE_URL/" || { cat "$work/site.log"; die "the site did not answer on $SITE_URL"; }
make --no-print-directory browser-test SITE_URL="$SITE_URL"
PUBLISHED_RESUME=data/resume.json make --no-print-directory smoke
echo "rehearse-staging: publish (and its refusal of another id), integration, the browser test at $SITE_URL and smoke passed against $API_URL"
