#!/usr/bin/env bash
# Checks the tools the local stack needs and says what to install if one is missing.
set -euo pipefail
missing=0
need() { # name, command, hint
    if ! command -v "$2" >/dev/null 2>&1; then
        echo "missing: $1 ($2 not found). Install it: $3" >&2
        missing=1
    fi
}
need "Rust toolchain" cargo "https://rustup.rs"
need "Java 17+" java "apt-get install openjdk-17-jre-headless"
need "Node.js 20+" node "apt-get install nodejs npm"
if command -v java >/dev/null 2>&1; then
    major=$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+)(\.[0-9]+)*.*/\1/p' | head -1)
    if [ -n "$major" ] && [ "$major" -lt 17 ]; then
        echo "missing: Java 17+ (found Java $major). Install: apt-get install openjdk-17-jre-headless" >&2
        missing=1
    fi
fi
exit "$missing"
