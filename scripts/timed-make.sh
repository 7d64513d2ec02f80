#!/usr/bin/env bash
# Runs make targets and says where the time went (`make test`, `.ci/run`).
#
#   scripts/timed-make.sh STEP...   each STEP in turn; stops after the first
#                                   that fails, with its exit status
#
# A STEP is a make target, or targets joined with "," (one after another) and
# "+" (at the same time): "a,b+c" runs a then b, and beside them c; c's output
# is printed when the step ends (the first branch's as it comes).
#
# Each target's wall time, CPU time (user + system of every process it ran and
# waited for) and exit status go to TIMINGS_FILE (default target/timings.tsv,
# tab-separated), and the table is printed at the end, or after a failure. A
# run inside another (make test inside .ci/run's) adds its rows, indented, to
# the outer run's file, and only the outermost prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."

MAKE="${MAKE:-make}"
outermost=""
if [[ -z "${TIMINGS_FILE:-}" ]]; then
    outermost=1
    TIMINGS_FILE="${CARGO_TARGET_DIR:-$PWD/target}/timings.tsv"
    mkdir -p "$(dirname "$TIMINGS_FILE")"
    printf 'started\ttarget\twall_s\tcpu_s\tstatus\n' >"$TIMINGS_FILE"
fi
depth="${TIMINGS_DEPTH:-0}"
export TIMINGS_FILE TIMINGS_DEPTH=$((depth + 1))
TIMEFORMAT='%R %U %S'

# m:ss of a number of seconds.
mss() { awk -v s="$1" 'BEGIN { s = int(s + 0.5); printf "%d:%02d", s / 60, s % 60 }'; }

print_table() {
    echo
    echo "== timings (wall, CPU = user+sys of its processes; $TIMINGS_FILE)"
    printf '   %-44s %7s %7s  %s\n' step wall cpu status
    local target wall cpu status total=0
    # By start time: a step's own targets follow it, indented.
    while IFS=$'\t' read -r _ target wall cpu status; do
        printf '   %-44s %7s %7s  %s\n' "$target" "$(mss "$wall")" "$(mss "$cpu")" "$status"
        [[ "$target" == " "* ]] || total="$(awk -v a="$total" -v b="$wall" 'BEGIN { print a + b }')"
    done < <(tail -n +2 "$TIMINGS_FILE" | sort -n -k1,1)
    printf '   %-44s %7s\n' total "$(mss "$total")"
}

# timed LEVEL NAME COMMAND...: runs COMMAND, adds NAME's row at LEVEL
# (indentation) and returns COMMAND's status. `time` reports on the group's
# fd 2; COMMAND's own stderr goes to fd 3.
timed() {
    local level="$1" name="$2" started status=0 times wall user sys
    shift 2
    started="$(date +%s.%N)"
    times="$(mktemp)"
    { time "$@" 2>&3; } 3>&2 2>"$times" || status=$?
    read -r wall user sys <"$times"
    rm -f "$times"
    local word=ok
    ((status == 0)) || word="FAILED (exit $status)"
    printf '%s\t%*s%s\t%s\t%s\t%s\n' "$started" $((level * 2)) '' "$name" "$wall" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$word" >>"$TIMINGS_FILE"
    return "$status"
}

# branch LEVEL "a,b,c": make a, then b, then c, while each succeeds.
branch() {
    local level="$1" target
    local -a targets
    IFS=, read -r -a targets <<<"$2"
    for target in "${targets[@]}"; do
        echo "== make $target"
        timed "$level" "$target" "$MAKE" --no-print-directory "$target" || return
    done
}

# together LEVEL "a,b+c": the branches at once, the first in the foreground;
# the first failure's status.
together() {
    local level="$1" status=0 i
    local -a branches pids logs
    IFS=+ read -r -a branches <<<"$2"
    for ((i = 1; i < ${#branches[@]}; i++)); do
        logs[i]="$(mktemp)"
        branch "$level" "${branches[i]}" >"${logs[i]}" 2>&1 &
        pids[i]=$!
    done
    branch "$level" "${branches[0]}" || status=$?
    for ((i = 1; i < ${#branches[@]}; i++)); do
        local branch_status=0
        wait "${pids[i]}" || branch_status=$?
        echo "== output of ${branches[i]} (ran beside ${branches[0]})"
        cat "${logs[i]}"
        rm -f "${logs[i]}"
        ((status != 0)) || status=$branch_status
    done
    return "$status"
}

for step in "$@"; do
    status=0
    if [[ "$step" == *[+,]* ]]; then
        # Its row: each branch's first target ("a,b+c": "a... + c").
        label="$(sed -E 's/,[^+]*/.../g; s/\+/ + /g' <<<"$step")"
        timed "$depth" "$label" together $((depth + 1)) "$step" || status=$?
    else
        branch "$depth" "$step" || status=$?
    fi
    if ((status != 0)); then
        [[ -z "$outermost" ]] || print_table
        exit "$status"
    fi
done
[[ -z "$outermost" ]] || print_table
