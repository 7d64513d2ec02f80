#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test, only if it is missing.
# Never lets a tool download a browser build of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "chromium is missing and this is not root: apt-get install -y chromium" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing Debian's chromium (apt-get) for the browser test"
$SUDO apt-get update
$SUDO apt-get install -y chromium
test -x /usr/bin/chromium
