#!/usr/bin/env bash
# `make rehearse-deploy` (part of `make test`): what deploy.yml and a first
# deploy do that nothing else here runs, with the real tools, on this machine.
# Needs the x86_64 build in .aws-sam/build (the make target builds it first).
#
#   1. The artifact round trip, as deploy.yml runs it: scripts/build-artifact.sh
#      pack, the tar handed over the way download-artifact writes files (0644),
#      unpack into a fresh folder, scripts/check-build.py (what `make deploy`
#      runs). A negative control: the build copied as download-artifact would
#      deliver a folder (every file 0644) must be refused, and so must a
#      bootstrap stripped of its dependency list (cargo auditable's .dep-v0);
#      every function's SBOM (make sbom, as deploy.yml's build job) is inside.
#   2. sam package of the unpacked build into S3 on loopback (moto_server),
#      as sam deploy uploads it; then each packaged zip fetched back: bootstrap
#      present, mode 0755, an ELF for the template's architecture.
#      Then `sam deploy --guided` in that checkout, every prompt answered from
#      docs/deploy.md's table (scripts/rehearse-guided.py); and `make deploy-first`
#      in another, answered on stdin: at most five questions, the answers
#      saved and deployed by SAM, and `make deploy CONFIG_ENV=default` after
#      it deploying the same (scripts/rehearse-first.py).
#   3. Each bootstrap unzipped as Lambda does (modes from the zip) and run
#      under the project's Runtime API emulator (crates/bench, lambda-bench
#      invoke) on one of its events/, against DynamoDB Local: statusCode 200.
#   4. The offline checks of what CloudFormation will do: the execution role
#      against every handler permission (scripts/handler-permissions.py), the
#      scripts' and templates' unit tests (scripts/tests: Rules, deletion
#      policies, alarms, base path, lifecycle, trust, region, preflight),
#      cfn-lint of both stacks, and the packaged template through the SAM
#      transform with its Rules intact.
#   5. The site published as deploy.yml publishes it (`make site-publish
#      CONFIG_ENV=staging`), into S3 and CloudFront on moto: a stand-in
#      staging stack whose outputs name a moto bucket and distribution. Every
#      file of examples/frontend is an object with the expected key,
#      Content-Type and Cache-Control; config.js as stored points at the same
#      origin (`/api`); a second publish uploads and invalidates nothing.
#      And `make resume-publish` of a changed resume on that stack invalidates
#      the resume's cached paths there.
#
# All traffic stays on loopback. Logs are kept in /tmp on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh
log() { echo "$PROG: $*"; }

python="$ROOT/.venv/bin/python3"
[[ -x "$python" && -x .venv/bin/sam && -x .venv/bin/moto_server ]] ||
    die "no .venv with sam and moto: run this as 'make rehearse-deploy'"
[[ -f .aws-sam/build/template.yaml ]] || die "no .aws-sam/build: run make build ARCH=x86_64 first"

started=$SECONDS
WORK="$(mktemp -d /tmp/rehearse-deploy.XXXXXX)"
MOTO_PID=""
ok=""

# shellcheck source=scripts/lib/local-stack.sh
source scripts/lib/local-stack.sh
# shellcheck source=scripts/lib/functions.sh
source scripts/lib/functions.sh
cleanup() {
    stop_process_and_ddb "$MOTO_PID" "$WORK/ddb.pid"
    if [[ -n "$ok" ]]; then
        rm -rf "$WORK"
    else
        echo "$PROG: failed; logs and files kept in $WORK" >&2
    fi
}
trap cleanup EXIT

# No real AWS anywhere: dummy credentials, no profile, one region.
export AWS_ACCESS_KEY_ID=rehearsal AWS_SECRET_ACCESS_KEY=rehearsal AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_DYNAMODB
export SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true

# The architecture the build was made for (scripts/sam-build.sh pins it).
arch="$(sed -n '/^  Architecture:$/,/Default:/s/^    Default: *//p' .aws-sam/build/template.yaml | head -n 1)"
[[ "$arch" == x86_64 || "$arch" == arm64 ]] || die "cannot read the build's Architecture default ('$arch')"

# --- 1. the artifact round trip ---------------------------------------------
log "1. artifact round trip (scripts/build-artifact.sh, as deploy.yml's jobs run it)"
scripts/build-artifact.sh pack "$WORK/sam-build.tar"
# download-artifact writes what it downloads with mode 0644, whatever it was.
mkdir -p "$WORK/download" "$WORK/checkout/.aws-sam"
cp "$WORK/sam-build.tar" "$WORK/download/sam-build.tar"
chmod 0644 "$WORK/download/sam-build.tar"
SAM_BUILD_DIR="$WORK/checkout/.aws-sam/build" scripts/build-artifact.sh unpack "$WORK/download/sam-build.tar"
"$python" scripts/check-build.py "$WORK/checkout/.aws-sam/build"

# Negative control: the build uploaded as a folder comes back all 0644.
cp -r .aws-sam/build "$WORK/as-folder"
find "$WORK/as-folder" -type f -exec chmod 0644 {} +
if "$python" scripts/check-build.py "$WORK/as-folder" 2>"$WORK/as-folder.err"; then
    die "check-build accepted a build whose bootstraps are 0644"
fi
grep -q "bootstrap has mode 0644" "$WORK/as-folder.err" || { cat "$WORK/as-folder.err" >&2; die "check-build refused the 0644 build for another reason"; }
log "   a build delivered as a folder (0644) is refused: $(head -n 1 "$WORK/as-folder.err")"

# The SBOMs travel in the artifact, one per template function's binary.
functions="$(template_functions)" || die "cannot list the template's functions"
sboms=()
while read -r bin _; do
    sbom="$WORK/checkout/.aws-sam/build/sbom/$bin.cdx.json"
    grep -q '"aws-sdk-dynamodb"' "$sbom" 2>/dev/null || die "the unpacked artifact has no SBOM $sbom"
    sboms+=("$bin.cdx.json")
done <<<"$functions"
log "   each function's CycloneDX SBOM came through: ${sboms[*]}"

# Negative control: a bootstrap built without cargo auditable (no .dep-v0).
cp -r .aws-sam/build "$WORK/unaudited"
bootstrap="$(find "$WORK/unaudited" -name bootstrap -type f | sort | head -n 1)"
objcopy --remove-section .dep-v0 "$bootstrap"
if "$python" scripts/check-build.py "$WORK/unaudited" 2>"$WORK/unaudited.err"; then
    die "check-build accepted a bootstrap without its dependency list"
fi
grep -q "carries no dependency list" "$WORK/unaudited.err" || { cat "$WORK/unaudited.err" >&2; die "check-build refused the unaudited build for another reason"; }
log "   a bootstrap without its dependency list is refused: $(head -n 1 "$WORK/unaudited.err")"

# --- 2. sam package into S3 on loopback ---------------------------------------
log "2. sam package into S3 on loopback (moto_server)"
moto_start "$WORK/moto.log" || die "moto_server did not start"
S3="$MOTO_URL"
bucket=rehearse-deploy-artifacts
"$python" - "$S3" "$bucket" <<'PY'
import sys, boto3
boto3.client("s3", endpoint_url=sys.argv[1]).create_bucket(Bucket=sys.argv[2])
PY
# The same packaging sam deploy does before it creates the change set, with
# the staging config-env's prefix.
(cd "$WORK/checkout" && cp "$ROOT/samconfig.toml" . &&
    AWS_ENDPOINT_URL_S3="$S3" "$ROOT/.venv/bin/sam" package \
        --template-file .aws-sam/build/template.yaml --s3-bucket "$bucket" \
        --s3-prefix resume-backend-staging --output-template-file "$WORK/packaged.yaml" \
        >"$WORK/sam-package.log" 2>&1) || { cat "$WORK/sam-package.log" >&2; die "sam package failed"; }

# Fetch each function's zip back from S3, as Lambda will.
mapfile -t functions < <("$python" - "$S3" "$WORK/packaged.yaml" "$WORK/zips" <<'PY'
import importlib.util, os, sys, boto3
endpoint, packaged, out = sys.argv[1:]
# The packaged template with its Fn::ForEach loops expanded, as CloudFormation gets it.
spec = importlib.util.spec_from_file_location("template_expanded", "scripts/template-expanded.py")
expanded = importlib.util.module_from_spec(spec)
spec.loader.exec_module(expanded)
template = expanded.expand_foreach(expanded.load_template(packaged))
s3 = boto3.client("s3", endpoint_url=endpoint)
os.makedirs(out, exist_ok=True)
for name, resource in sorted(template["Resources"].items()):
    if resource["Type"] != "AWS::Serverless::Function":
        continue
    uri = resource["Properties"]["CodeUri"]
    assert isinstance(uri, str) and uri.startswith("s3://"), f"{name}: CodeUri {uri!r} is not an S3 URI"
    bucket, key = uri[5:].split("/", 1)
    path = os.path.join(out, f"{name}.zip")
    s3.download_file(bucket, key, path)
    print(f"{name}\t{path}\t{uri}")
PY
)
# Every function of the template, packaged.
expected="$(grep -c '^    Type: AWS::Serverless::Function$' template.yaml)"
((${#functions[@]} == expected)) || die "expected $expected packaged functions, got ${#functions[@]}"
for line in "${functions[@]}"; do
    IFS=$'\t' read -r name zip uri <<<"$line"
    "$python" scripts/check-build.py --zip "$zip" --arch "$arch"
    log "   $name: $uri: bootstrap 0755, $arch ELF"
done

# docs/deploy.md's guided first deploy, prompt by prompt, in that checkout: every
# prompt must have its answer in its table, and SAM must get past
# them all (moto stands in for S3 and CloudFormation behind the prompts).
log "   sam deploy --guided, answered from docs/deploy.md's table (scripts/rehearse-guided.py)"
AWS_ENDPOINT_URL="$S3" "$python" scripts/rehearse-guided.py --cwd "$WORK/checkout" -- \
    "$ROOT/.venv/bin/sam" deploy --guided || die "the guided deploy's prompts are not all answered by docs/deploy.md"

# The short first deploy, in a checkout of its own: `make deploy-first`
# answered on stdin (at most five questions), SAM deploying with the saved
# answers (moto S3 and CloudFormation), then what `make deploy
# CONFIG_ENV=default` would run (scripts/rehearse-first.py).
log "   make deploy-first, answered on stdin, then make deploy CONFIG_ENV=default (scripts/rehearse-first.py)"
first="$WORK/first"
mkdir -p "$first/.aws-sam"
cp -a "$WORK/checkout/.aws-sam/build" "$first/.aws-sam/build"
cp -p Makefile requirements-dev.txt samconfig.toml "$first/"
cp -r scripts "$first/scripts"
ln -s "$ROOT/.venv" "$first/.venv"
AWS_ENDPOINT_URL="$S3" "$python" scripts/rehearse-first.py --cwd "$first" || die "the short first deploy did not rehearse"

# --- 3. each packaged bootstrap serves an event ------------------------------
log "3. each packaged bootstrap, unzipped as Lambda does, serves an event (lambda-bench invoke)"
if [[ "$arch" != "$(uname -m | sed 's/aarch64/arm64/')" ]]; then
    die "the build is $arch, this machine $(uname -m): build ARCH=x86_64 for the rehearsal"
fi
"${CARGO:-cargo}" build --quiet --locked -p bench -p local-api -p testkit
ddb_port="$(ddb_start_on_free_port "$WORK/ddb.pid" "$WORK/ddb.log")"
ddb="http://127.0.0.1:$ddb_port"
# local-api's default table names are env.json's; --create-tables makes them all.
# DynamoDB Local keeps tables per access key and region: the functions' own.
env AWS_ENDPOINT_URL_DYNAMODB="$ddb" AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local RUST_LOG=warn \
    "${CARGO_TARGET_DIR:-target}/debug/local-api" publish data/resume.json --create-tables >"$WORK/seed.log" 2>&1 ||
    { cat "$WORK/seed.log" >&2; die "publishing data/resume.json to DynamoDB Local failed"; }

declare -A EVENT=([ResumeFunction]=resume-get.json [VisitorCounterFunction]=visitorcount-get.json
    [DynamoDbManagerFunction]=dynamodbmanager-ping.json [ResumeWriteFunction]=resume-write-put.json)
# The status each event gets: a PUT of a new resume id creates it.
declare -A STATUS=([ResumeWriteFunction]=201)
for line in "${functions[@]}"; do
    IFS=$'\t' read -r name zip _ <<<"$line"
    dir="$WORK/task/$name"
    # Lambda unpacks the zip into /var/task with the modes the zip records.
    "$python" - "$zip" "$dir" <<'PY'
import os, sys, zipfile
zip_path, out = sys.argv[1:]
with zipfile.ZipFile(zip_path) as z:
    for info in z.infolist():
        path = z.extract(info, out)
        mode = info.external_attr >> 16
        if mode:
            os.chmod(path, mode & 0o7777)
PY
    env_args=()
    while IFS= read -r kv; do env_args+=(--env "$kv"); done < <("$python" - "$name" "$ddb" <<'PY'
import json, sys
name, endpoint = sys.argv[1:]
env = json.load(open("env.json"))
values = dict(env.get("Parameters", {}), **env[name])
values.update({
    "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
    "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
    "AWS_LAMBDA_LOG_STREAM_NAME": "rehearsal", "AWS_LAMBDA_LOG_FORMAT": "JSON",
    "AWS_LAMBDA_LOG_LEVEL": "INFO", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "TZ": ":UTC",
    "LAMBDA_TASK_ROOT": "/var/task",
})
for k, v in values.items():
    print(f"{k}={v}")
PY
)
    [[ -n "${EVENT[$name]:-}" ]] || die "$name has no event to answer here: add it to EVENT"
    event="events/${EVENT[$name]}"
    status="${STATUS[$name]:-200}"
    if ! timeout 120 "${CARGO_TARGET_DIR:-target}/debug/lambda-bench" invoke --event "$event" --invokes 0 \
        --expect-status "$status" --log "$WORK/$name.log" --cwd "$dir" "${env_args[@]}" -- "$dir/bootstrap" \
        >"$WORK/$name.json" 2>"$WORK/$name.err"; then
        cat "$WORK/$name.err" "$WORK/$name.log" >&2
        die "$name's packaged bootstrap did not answer $event with statusCode $status"
    fi
    log "   $name: $event -> $status ($("$python" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("init %.0f ms, first invoke %.0f ms" % (r["init_ms"], r["first_ms"]))' "$WORK/$name.json"))"
done

# --- 4. offline checks of what CloudFormation will do ---------------------------
log "4. handler permissions, unit tests, cfn-lint of both stacks, Rules"
"$python" scripts/handler-permissions.py
"$python" -m unittest discover -s scripts/tests -p 'test_*.py'
.venv/bin/cfn-lint template.yaml deploy/github-oidc-role.yaml
"$python" - "$WORK/packaged.yaml" <<'PY'
import importlib.util, pathlib, sys
spec = importlib.util.spec_from_file_location("hp", "scripts/handler-permissions.py")
hp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hp)
packaged = hp.load_template(pathlib.Path(sys.argv[1]))
transformed = hp.sam_transform(packaged)
assert transformed.get("Rules") == packaged.get("Rules") and transformed.get("Rules"), "the SAM transform dropped the Rules"
print("rehearse-deploy.sh:    the packaged template transforms with its Rules intact:", ", ".join(transformed["Rules"]))
# CloudFormation gets the Fn::ForEach loops as written and expands them itself
# (not the SAM CLI's local expansion): expanded, the packaged template's
# resources are template.yaml's, the code's S3 location aside.
spec = importlib.util.spec_from_file_location("te", "scripts/template-expanded.py")
te = importlib.util.module_from_spec(spec)
spec.loader.exec_module(te)
source = te.load_template(pathlib.Path("template.yaml"))
loops = lambda t: sorted(k for k in t["Resources"] if k.startswith("Fn::ForEach::"))  # noqa: E731
assert loops(packaged) == loops(source), f"the packaged template's loops: {loops(packaged)}, template.yaml's: {loops(source)}"


def resources(template):
    out = te.expand_foreach(template)["Resources"]
    for resource in out.values():
        resource.get("Properties", {}).pop("CodeUri", None)
    return out


mine, theirs = resources(source), resources(packaged)
differ = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
assert not differ, f"packaged, these resources expand otherwise than in template.yaml: {differ}"
print("rehearse-deploy.sh:    the packaged template keeps its loops", ", ".join(loops(source)), "and expands to template.yaml's resources")
PY

# --- 5. the site into S3 and CloudFront on loopback ---------------------------
log "5. the site published into S3 and CloudFront on loopback (make site-publish CONFIG_ENV=staging)"
site_stack="$("$python" - "$S3" <<'PY'
import json, sys, tomllib, boto3
sys.path.insert(0, "scripts/lib")
import stand_in
endpoint = sys.argv[1]
with open("samconfig.toml", "rb") as f:
    stack = tomllib.load(f)["staging"]["deploy"]["parameters"]["stack_name"]
bucket, dist = stand_in.site(endpoint, stack)
# The outputs template.yaml gives a stack with the site (names of the shared notes).
# ResumeTableName and ResumeId: the table step 3 seeded in DynamoDB Local.
outputs = {"SiteBucketName": bucket, "SiteDistributionId": dist["Id"], "SiteUrl": f"https://{dist['DomainName']}",
           "ResumeTableName": "resume-local", "ResumeId": "example"}
body = {"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()}}
boto3.client("cloudformation", endpoint_url=endpoint).create_stack(StackName=stack, TemplateBody=json.dumps(body))
print(f"{stack}\t{bucket}\t{dist['Id']}")
PY
)" || die "cannot create the stand-in staging stack with a site"
IFS=$'\t' read -r site_stack site_bucket site_dist <<<"$site_stack"
AWS_ENDPOINT_URL="$S3" make --no-print-directory site-publish CONFIG_ENV=staging >"$WORK/site-publish.log" 2>&1 ||
    { cat "$WORK/site-publish.log" >&2; die "make site-publish failed"; }
"$python" - "$S3" "$site_bucket" "$site_dist" examples/frontend <<'PY' || die "the published site is not what examples/frontend should give"
import os, re, sys, boto3
endpoint, bucket, dist, site = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint)
# What each file must be served with (docs/site.md, "Publishing the site").
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8"}
HASHED = re.compile(r"[.-](?=[A-Za-z0-9_]*[0-9])(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,64}\.[^./]+$")
files = sorted(os.path.relpath(os.path.join(d, f), site).replace(os.sep, "/")
               for d, dirs, names in os.walk(site) for f in names if not f.startswith("."))
keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
assert keys == files, f"objects {keys}, files {files}"
for key in keys:
    head = s3.head_object(Bucket=bucket, Key=key)
    ext = os.path.splitext(key)[1].lower()
    assert ext in TYPES, f"{key}: no expected Content-Type for {ext!r} here: add it to TYPES"
    name = key.rsplit("/", 1)[-1]
    cache = ("no-cache" if ext == ".html" or name == "config.js"
             else "public, max-age=31536000, immutable" if HASHED.search(name) else "public, max-age=300")
    got = (head["ContentType"], head.get("CacheControl"))
    assert got == (TYPES[ext], cache), f"{key}: Content-Type, Cache-Control {got}, expected {(TYPES[ext], cache)}"
    print(f"rehearse-deploy.sh:    s3://{bucket}/{key}: {got[0]}; {got[1]}")
# The page calls the API on its own origin: config.js as stored, comments aside.
text = s3.get_object(Bucket=bucket, Key="config.js")["Body"].read().decode()
code = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
api = re.findall(r"\bapi\s*:\s*[\"']([^\"']*)[\"']", code)
assert api == ["/api"], f"config.js as published sets api to {api}, not the same origin's /api"
print(f"rehearse-deploy.sh:    config.js points at the same origin: api {api[0]!r}")
PY
AWS_ENDPOINT_URL="$S3" make --no-print-directory site-publish CONFIG_ENV=staging >"$WORK/site-publish-2.log" 2>&1 ||
    { cat "$WORK/site-publish-2.log" >&2; die "make site-publish (again) failed"; }
grep -q " 0 uploaded, 0 deleted, " "$WORK/site-publish-2.log" || { cat "$WORK/site-publish-2.log" >&2; die "a second publish of the same site uploaded or deleted something"; }
invalidations="$("$python" -c 'import sys, boto3; print(boto3.client("cloudfront", endpoint_url=sys.argv[1]).list_invalidations(DistributionId=sys.argv[2])["InvalidationList"]["Quantity"])' "$S3" "$site_dist")"
[[ "$invalidations" == 0 ]] || die "publishing a new site, then the same again, invalidated $invalidations time(s) on $site_dist"
log "   stack $site_stack: s3://$site_bucket holds examples/frontend; published again: nothing sent, nothing invalidated"
# make resume-publish on that stack: a changed resume invalidates its cached
# paths on the SiteDistributionId (the table is step 3's, under its keys).
"$python" - "$WORK/resume-changed.json" <<'PY'
import json, sys
doc = json.load(open("data/resume.json"))
doc["basics"]["label"] = "Rehearsal"
json.dump(doc, open(sys.argv[1], "w"))
PY
AWS_ENDPOINT_URL="$S3" AWS_ENDPOINT_URL_DYNAMODB="$ddb" AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
    make --no-print-directory resume-publish CONFIG_ENV=staging FILE="$WORK/resume-changed.json" >"$WORK/resume-publish.log" 2>&1 ||
    { cat "$WORK/resume-publish.log" >&2; die "make resume-publish on the stack with a site failed"; }
grep -qF "distribution $site_dist: invalidated /api/resume* /resume*" "$WORK/resume-publish.log" ||
    { cat "$WORK/resume-publish.log" >&2; die "a changed resume did not invalidate /api/resume* and /resume* on $site_dist"; }
log "   make resume-publish of a changed resume: $(grep -F "distribution $site_dist" "$WORK/resume-publish.log")"

ok=1
log "done in $((SECONDS - started)) s"
