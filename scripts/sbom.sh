#!/usr/bin/env bash
# `make sbom`: a CycloneDX SBOM (JSON, spec 1.5) for each Lambda bootstrap,
# from Cargo.lock (cargo-cyclonedx; no build needed), for the Lambda target
# of ARCH (arm64 unless ARCH=x86_64), runtime dependencies only.
#
#   scripts/sbom.sh OUT_DIR     writes OUT_DIR/<binary>.cdx.json
#
# The binaries are the template's functions' (Binary, built in CodeUri:
# scripts/lib/functions.sh), so a new function gets its SBOM without an edit
# here.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh
# shellcheck source=scripts/lib/functions.sh
. scripts/lib/functions.sh

out="${1:?usage: sbom.sh OUT_DIR}"
case "${ARCH:-arm64}" in
    arm64) target=aarch64-unknown-linux-gnu ;;
    x86_64) target=x86_64-unknown-linux-gnu ;;
    *) die "ARCH must be arm64 or x86_64" ;;
esac
functions="$(template_functions)" || die "cannot list the template's functions"
mkdir -p "$out"
bins=()
while read -r bin code_uri; do
    cargo cyclonedx --manifest-path "$code_uri/Cargo.toml" --format json \
        --describe binaries --target "$target" --spec-version 1.5 --no-build-deps -q
    # cargo-cyclonedx writes <binary>_bin.cdx.json beside each manifest of
    # the workspace, one per binary; keep this one, drop the rest.
    mv "$code_uri/${bin}_bin.cdx.json" "$out/$bin.cdx.json"
    find crates -name '*_bin.cdx.json' -delete
    grep -q '"aws-sdk-dynamodb"' "$out/$bin.cdx.json" || die "$out/$bin.cdx.json lists no aws-sdk-dynamodb"
    bins+=("$bin")
done <<<"$functions"
echo "$PROG: SBOMs of ${bins[*]} ($target) in $out"
