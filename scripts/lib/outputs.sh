# shellcheck shell=bash
# Sourced by the owner's commands that act on a deployed stack
# (scripts/resume-publish.sh, scripts/site-publish.sh): its outputs, read
# once through scripts/stack-outputs.sh (KEY=VALUE lines, e.g. RESUME_TABLE,
# SITE_BUCKET_NAME).
#
#   outputs_load CONFIG_ENV   reads the outputs of that config-env's stack;
#                             exits 1 (stack-outputs.sh said why) if it cannot
#   output NAME               prints NAME's value, or nothing without it

STACK_OUTPUTS=""

outputs_load() {
    STACK_OUTPUTS="$("$(dirname "${BASH_SOURCE[0]}")/../stack-outputs.sh" --config-env "$1")" || exit 1
}

output() {
    sed -n "s/^$1=//p" <<<"$STACK_OUTPUTS"
}
