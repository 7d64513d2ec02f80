#!/usr/bin/env bash
# `make site`: the example site (examples/frontend) as a folder to put on any
# static host, with its config.js naming the API and, optionally, the resume.
#
#   API_URL=https://<api>/Prod [RESUME_ID=me] [SITE_DIR=dist/site] scripts/site.sh
#   CONFIG_ENV=prod scripts/site.sh       API_URL from that stack's outputs
#                                         (scripts/stack-outputs.sh; AWS credentials)
#
# RESUME_ID empty: the page shows GET /resume, the stage's ResumeId.
set -euo pipefail
cd "$(dirname "$0")/.."

SITE_DIR="${SITE_DIR:-dist/site}"
if [ -z "${API_URL:-}" ]; then
    [ -n "${CONFIG_ENV:-}" ] || { echo "site: set API_URL, or CONFIG_ENV to read it from a stack's outputs" >&2; exit 1; }
    API_URL="$(scripts/stack-outputs.sh --config-env "$CONFIG_ENV" | sed -n 's/^API_URL=//p')"
    [ -n "$API_URL" ] || { echo "site: stack of config-env $CONFIG_ENV has no ApiUrl output" >&2; exit 1; }
fi
case "$API_URL" in
    http://* | https://*) ;;
    *) echo "site: API_URL must be an http(s) URL, not '$API_URL'" >&2; exit 1 ;;
esac

rm -rf "$SITE_DIR"
mkdir -p "$SITE_DIR"
cp -R examples/frontend/. "$SITE_DIR/"
# JSON-encoded by Python, so no value can break out of the string.
python3 - "$SITE_DIR/config.js" "${API_URL%/}" "${RESUME_ID:-}" <<'PY'
import json, sys
path, api, resume_id = sys.argv[1:4]
with open(path, "w") as f:
    f.write("// Written by scripts/site.sh (make site).\n")
    f.write("window.RESUME_CONFIG = " + json.dumps({"api": api, "id": resume_id}) + ";\n")
PY
echo "site: $SITE_DIR (API $API_URL${RESUME_ID:+, resume $RESUME_ID})"
echo "      Put it on any static host (S3 + CloudFront, GitHub Pages, Netlify, nginx, ...)"
echo "      and add the site's own origin (e.g. https://me.example.com) to the stack's AllowedOrigins."
