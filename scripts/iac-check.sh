#!/usr/bin/env bash
# `make iac-check`: the template's checks.
#   1. sam validate --lint   (SAM transform + cfn-lint through SAM)
#   2. cfn-lint template.yaml
#   3. the Rust tests in crates/iac-checks, static only: least-privilege
#      policies, table key schemas equal to platform::dynamo::TABLES, env.json,
#      samconfig.toml, events/ and docs/openapi.yaml against the code, the
#      crates' layout (same modules, no import cycles), and the Markdown docs
#      (links and anchors, make targets, template parameters; tests/docs.rs).
# Run through make, which puts .venv/bin (SAM CLI, cfn-lint) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in sam cfn-lint cargo; do
    command -v "$tool" >/dev/null || {
        echo "iac-check: $tool not found; run it as 'make iac-check' (which installs .venv)" >&2
        exit 1
    }
done

# sam validate needs a region even for a local check; no credentials are used.
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY=0

echo "== sam validate --lint"
sam validate --lint --template-file template.yaml
echo "== cfn-lint template.yaml"
cfn-lint template.yaml
echo "== cargo test -p iac-checks"
"${CARGO:-cargo}" test -p iac-checks --locked
