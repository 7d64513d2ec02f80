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
# The built template (.aws-sam/build/template.yaml) gets the built
# architecture as its Architecture default, so `sam deploy` of this build can
# never pair x86_64 binaries with arm64 functions.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

for tool in sam cargo-lambda cargo python3; do
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
        machine=aarch64
        ;;
    x86_64) machine=x86-64 ;;
    *) die "ARCH must be arm64 or x86_64, not '$ARCH'" ;;
esac

export SAM_CLI_TELEMETRY=0
started=$SECONDS
echo "$PROG: sam build for $ARCH (cargo lambda build --release, one --bin per function)"
sam build --parameter-overrides "Architecture=$ARCH" "$@"
elapsed=$((SECONDS - started))

built=.aws-sam/build/template.yaml
[[ -f "$built" ]] || die "sam build wrote no $built"

# Pin the built architecture, and check every function's binary against it.
python3 - "$built" "$ARCH" "$machine" <<'PY'
import pathlib, re, sys

path, arch, machine = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
text = path.read_text()
text, n = re.subn(
    r"(\n  Architecture:\n    Type: String\n    Default: )\S+", r"\g<1>" + arch, text
)
if n != 1:
    sys.exit(f"cannot find the Architecture parameter's default in {path}")
path.write_text(text)

elf_machine = {"x86-64": 62, "aarch64": 183}[machine]
functions = re.findall(r"\n  (\w+):\n    Type: AWS::Serverless::Function\n", text)
if not functions:
    sys.exit(f"no functions in {path}")
for name in functions:
    binary = path.parent / name / "bootstrap"
    if not binary.is_file():
        sys.exit(f"{binary} is missing")
    head = binary.read_bytes()[:20]
    if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != elf_machine:
        sys.exit(f"{binary} is not a {machine} ELF executable")
    print(f"  {name:28} {binary.stat().st_size / 1e6:5.1f} MB  {binary}")
PY
echo "$PROG: built ${ARCH} in ${elapsed}s; the built template defaults to Architecture=${ARCH}"
