#!/usr/bin/env bash
# `make browser-test`: the visitor counter's example page in headless Chromium
# (Debian's package, driven by playwright-core) against a local stack that the
# test starts on free ports and stops again (tests/browser/counter.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

tests/browser/install-chromium.sh
if [ ! -d node_modules/playwright-core ]; then
    echo "playwright-core is missing: run npm ci (make deps)" >&2
    exit 1
fi
# playwright-core never downloads a browser; make sure nothing else tries.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

cargo build --quiet --locked -p local-api -p testkit
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
LOCAL_API_BIN="$TARGET_DIR/debug/local-api"
DYNAMODB_LOCAL_BIN="$TARGET_DIR/debug/dynamodb-local"
export LOCAL_API_BIN DYNAMODB_LOCAL_BIN

exec node --test --test-reporter=spec tests/browser/counter.test.mjs
