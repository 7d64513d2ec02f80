#!/usr/bin/env bash
# `make bench`: build what is measured, install the baseline's tools, measure,
# and write docs/PERFORMANCE.md. Arguments go to bench/bench.py
# (e.g. `bench/run.sh --runs 5`, `--rust-only`, `--skip-wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."

BINS=(resume visitor-counter dynamodbmanager local-api lambda-bench dynamodb-local)
args=()
for bin in "${BINS[@]}"; do
    # Only what exists in this checkout (a function may not have landed yet).
    if grep -rqs "name = \"$bin\"" crates/*/Cargo.toml; then args+=(--bin "$bin"); fi
done
echo "bench: cargo build --release ${args[*]}" >&2
cargo build --release --locked "${args[@]}"

VENV=target/bench/venv
REQS=bench/python/requirements.txt
if [[ ! -f "$VENV/.installed" || "$REQS" -nt "$VENV/.installed" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
    touch "$VENV/.installed"
fi

if ! command -v wrk >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        echo "bench: installing wrk (apt)" >&2
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        echo "bench: wrk is missing and cannot be installed here (apt-get install wrk); skipping throughput" >&2
    fi
fi

exec python3 bench/bench.py "$@"
