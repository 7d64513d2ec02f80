# shellcheck shell=bash
# Sourced by the scripts that stop on an error: `die MESSAGE` prints
# "<script>: error: MESSAGE" on stderr and exits 1. PROG is the script's name
# unless the script set it first.
PROG="${PROG:-$(basename "$0")}"
die() {
    echo "$PROG: error: $*" >&2
    exit 1
}
