#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target for FUZZ_SECONDS each (default 60).
# Needs a nightly toolchain (libFuzzer's sanitizer flags); installs cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "make fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# cargo fuzz takes no --locked: refuse a fuzz/Cargo.lock that the build
# would change (it resolved the newest versions instead of the workspace's).
cargo metadata --locked --format-version 1 >/dev/null ||
    { echo "fuzz/Cargo.lock is out of date: cp Cargo.lock fuzz/ && (cd fuzz && cargo metadata --format-version 1 >/dev/null)" >&2; exit 1; }

for target in $(cargo +nightly fuzz list); do
    echo "== fuzzing $target for ${seconds}s"
    mkdir -p "corpus/$target"
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=65536 -timeout=10
done
