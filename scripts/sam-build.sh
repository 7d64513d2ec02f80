#!/usr/bin/env bash
# `make build`: `sam build` of the three functions through cargo-lambda
# (template.yaml: BuildMethod rust-cargolambda, one `--bin` per function).
#
#   ARCH=arm64|x86_64   the Lambda architecture to build for. Unset: arm64 (the
#                       deploy default) when Rust's aarch64-unknown-linux-gnu
#                       target is installed, else x86_64, which always builds.
#                       ARCH=arm64 installs that target with rustup if missing.
#   extra arguments     passed to `sam build`
#
# Every function builds into the workspace's shared target directory
# (target/<triple>/release), so the dependency tree compiles once for all three
# and again only when it changes; each function then costs its own crate plus
# the release profile's LTO link.
#
# Every bootstrap carries its dependency list (cargo auditable: section
# .dep-v0, 3.4 KB), which scanners read from the binary (cargo audit bin,
# Trivy, Syft, Grype); scripts/check-build.py refuses a build without it.
#
# The built template (.aws-sam/build/template.yaml) gets the built
# architecture as its Architecture default, so `sam deploy` of this build can
# never pair x86_64 binaries with arm64 functions.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

for tool in sam cargo-lambda cargo cargo-auditable python3; do
    command -v "$tool" >/dev/null || die "$tool not found; run this as 'make build' (which installs .venv)"
done

arm_target=aarch64-unknown-linux-gnu
arm_installed() { rustup target list --installed 2>/dev/null | grep -qx "$arm_target"; }

ARCH="${ARCH:-}"
if [[ -z "$ARCH" ]]; then
    if arm_installed; then
        ARCH=arm64
    else
        ARCH=x86_64
        echo "$PROG: Rust target $arm_target is not installed: building x86_64." >&2
        echo "$PROG: (the deploy default is arm64: 'make build ARCH=arm64' installs the target)" >&2
    fi
fi
case "$ARCH" in
    arm64)
        arm_installed || rustup target add "$arm_target" || die "cannot install the Rust target $arm_target (needed for ARCH=arm64)"
        ;;
    x86_64) ;;
    *) die "ARCH must be arm64 or x86_64, not '$ARCH'" ;;
esac

export SAM_CLI_TELEMETRY=0
# cargo-lambda runs cargo itself, so set what `cargo auditable build` sets
# before it runs cargo: itself as the workspace crates' rustc wrapper, and the
# cargo flags its `cargo metadata` call must repeat (JSON).
RUSTC_WORKSPACE_WRAPPER="$(command -v cargo-auditable)"
export RUSTC_WORKSPACE_WRAPPER
export CARGO_AUDITABLE_ORIG_ARGS='{"offline":false,"locked":true,"frozen":false,"config":[]}'
started=$SECONDS
echo "$PROG: sam build for $ARCH (cargo lambda build --release, one --bin per function)"
sam build --parameter-overrides "Architecture=$ARCH" "$@"
elapsed=$((SECONDS - started))

built=.aws-sam/build/template.yaml
[[ -f "$built" ]] || die "sam build wrote no $built"

# Pin the built architecture, then check every function's bootstrap against
# it (mode, ELF machine, dependency list), as `make deploy` will.
python3 - "$built" "$ARCH" <<'PY'
import pathlib, re, sys

path, arch = pathlib.Path(sys.argv[1]), sys.argv[2]
text, n = re.subn(
    r"(\n  Architecture:\n    Type: String\n    Default: )\S+", r"\g<1>" + arch, path.read_text()
)
if n != 1:
    sys.exit(f"cannot find the Architecture parameter's default in {path}")
path.write_text(text)
PY
python3 scripts/check-build.py "$(dirname "$built")"
echo "$PROG: built ${ARCH} in ${elapsed}s; the built template defaults to Architecture=${ARCH}"
