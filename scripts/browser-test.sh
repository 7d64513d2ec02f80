#!/usr/bin/env bash
# `make browser-test`: the example site in headless Chromium (Debian's
# package, driven by playwright-core; never a downloaded browser):
#   - tests/browser/site.test.mjs: the site and the API on one origin, as
#     local-api (and `make dev`) serves them: the resume renders, a
#     same-origin view counts, security headers, zero CSP violations;
#   - tests/browser/counter.test.mjs: the page and the counter across
#     origins (a site hosted elsewhere, CORS, ?api=, hostile answers).
# Both start their own local stack on free ports and stop it again.
#
#   SITE_URL=https://<site> scripts/browser-test.sh
# runs site.test.mjs alone against that deployed site (the pipeline's staging
# check): nothing is built or started; it reads and counts one view there.
# CHROMIUM_PATH: a Chromium already installed elsewhere than /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CHROMIUM_PATH:-}" ]; then
    tests/browser/install-chromium.sh
fi
if [ ! -d node_modules/playwright-core ]; then
    echo "playwright-core is missing: run npm ci (make deps)" >&2
    exit 1
fi
# playwright-core never downloads a browser; make sure nothing else tries.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ -n "${SITE_URL:-}" ]; then
    echo "browser-test: against the deployed site $SITE_URL"
    exec node --test --test-reporter=spec tests/browser/site.test.mjs
fi

cargo build --quiet --locked -p local-api -p testkit
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
LOCAL_API_BIN="$TARGET_DIR/debug/local-api"
DYNAMODB_LOCAL_BIN="$TARGET_DIR/debug/dynamodb-local"
export LOCAL_API_BIN DYNAMODB_LOCAL_BIN

# One file after the other: each starts Chromium and a stack of its own.
exec node --test --test-concurrency=1 --test-reporter=spec tests/browser/site.test.mjs tests/browser/counter.test.mjs
