#!/usr/bin/env bash
# `make sbom`: a CycloneDX SBOM (JSON, spec 1.5) for each Lambda bootstrap,
# from Cargo.lock (cargo-cyclonedx; no build needed), for the Lambda target
# of ARCH (arm64 unless ARCH=x86_64), runtime dependencies only.
#
#   scripts/sbom.sh OUT_DIR     writes OUT_DIR/<binary>.cdx.json
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: sbom.sh OUT_DIR}"
case "${ARCH:-arm64}" in
    arm64) target=aarch64-unknown-linux-gnu ;;
    x86_64) target=x86_64-unknown-linux-gnu ;;
    *) echo "sbom.sh: ARCH must be arm64 or x86_64" >&2; exit 1 ;;
esac
mkdir -p "$out"
for bin in resume visitor-counter dynamodbmanager; do
    cargo cyclonedx --manifest-path "crates/$bin/Cargo.toml" --format json \
        --describe binaries --target "$target" --spec-version 1.5 --no-build-deps -q
    # cargo-cyclonedx writes <binary>_bin.cdx.json beside each manifest of
    # the workspace; keep the Lambda's, drop the rest.
    mv "crates/$bin/${bin}_bin.cdx.json" "$out/$bin.cdx.json"
    find crates -name '*_bin.cdx.json' -delete
    grep -q '"aws-sdk-dynamodb"' "$out/$bin.cdx.json" || {
        echo "sbom.sh: $out/$bin.cdx.json lists no aws-sdk-dynamodb" >&2
        exit 1
    }
done
echo "sbom.sh: SBOMs of resume, visitor-counter and dynamodbmanager ($target) in $out"
