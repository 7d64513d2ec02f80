#!/usr/bin/env bash
# `make bench`: build what is measured, install the baseline's tools, measure,
# and write docs/PERFORMANCE.md. Arguments go to bench/bench.py
# (e.g. `bench/run.sh --runs 5`, `--rust-only`, `--skip-wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."

BINS=(resume visitor-counter dynamodbmanager local-api lambda-bench dynamodb-local)
# Each binary from its own crate's folder, as `sam build` makes them
# (template.yaml's CodeUri; cargo lambda build --bin X): from there cargo
# resolves that package's features alone, so the resume check's jsonschema
# (regex with every feature) reaches no Lambda that does not write resumes.
for bin in "${BINS[@]}"; do
    # Only what exists in this checkout (a function may not have landed yet).
    manifest="$(grep -lx "name = \"$bin\"" crates/*/Cargo.toml | head -n 1)" || continue
    echo "bench: cargo build --release --bin $bin (in $(dirname "$manifest"))" >&2
    (cd "$(dirname "$manifest")" && cargo build --release --locked --bin "$bin")
done

VENV=target/bench/venv
REQS=bench/python/requirements.txt
if [[ ! -f "$VENV/.installed" || "$REQS" -nt "$VENV/.installed" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
    touch "$VENV/.installed"
fi

# Tools from Debian: wrk (throughput), stunnel4 (TLS in front of DynamoDB
# Local), and what aws-lambda-ric's native part builds with (npm ci below).
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v stunnel4 >/dev/null 2>&1 || need+=(stunnel4)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
for tool in cmake autoconf automake libtool g++ make; do
    if [[ $tool == libtool ]]; then
        [[ -e /usr/share/libtool/build-aux/ltmain.sh ]] || need+=(libtool)
    else
        command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
    fi
done
if ((${#need[@]})); then
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        echo "bench: installing ${need[*]} (apt)" >&2
        apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "bench: missing ${need[*]}; install them (apt-get install ${need[*]})" >&2
        exit 1
    fi
fi

# The Node.js baseline: AWS SDK for JavaScript v3 and aws-lambda-ric, from
# bench/node/package-lock.json.
NODE_DIR=bench/node
if [[ ! -f "$NODE_DIR/node_modules/.installed" || "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.installed" ]]; then
    echo "bench: npm ci in $NODE_DIR (aws-lambda-ric builds its native part, a few minutes)" >&2
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$NODE_DIR/node_modules/.installed"
fi

# What each kind of counted view costs in DynamoDB (round trips, calls,
# units): the integration test that holds docs/visitor-counter.md's table
# measures them against DynamoDB Local and writes them for the report.
mkdir -p target/bench
echo "bench: view_cost (tests/tests/it/view_cost.rs)" >&2
VIEW_COST_OUT="$PWD/target/bench/view-cost.json" \
    cargo test --locked -p integration-tests --test it -- --quiet view_cost::each_kind >&2

exec python3 bench/bench.py "$@"
