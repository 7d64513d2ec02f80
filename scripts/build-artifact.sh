#!/usr/bin/env bash
# The build's round trip between deploy.yml's jobs, with its file modes.
#
#   scripts/build-artifact.sh pack   [TAR]   .aws-sam/build -> TAR (default sam-build.tar)
#   scripts/build-artifact.sh unpack [TAR]   TAR -> .aws-sam/build (`make deploy` then checks it:
#                                            scripts/check-build.py)
#
# GitHub's upload-artifact/download-artifact do not keep file modes: every
# downloaded file is 0644 (download-artifact's README, "Maintaining File
# Permissions"), and SAM zips each bootstrap with the mode it finds, so a
# build uploaded as a folder deploys functions Lambda cannot execute. A tar
# keeps the modes; the build job packs it, both deploy jobs unpack it, and
# `make rehearse-deploy` runs this very script for its round trip.
#
#   SAM_BUILD_DIR   the build folder (default .aws-sam/build, relative to the
#                   repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/die.sh
. scripts/lib/die.sh

build="${SAM_BUILD_DIR:-.aws-sam/build}"
cmd="${1:-}"
tar_file="${2:-sam-build.tar}"
case "$cmd" in
    pack)
        [[ -f "$build/template.yaml" ]] || die "no $build/template.yaml: run make build first"
        # Numeric owner and a fixed order: the same build gives the same tar.
        tar --create --file "$tar_file" --directory "$build" --sort=name --numeric-owner --owner=0 --group=0 .
        echo "$PROG: packed $build into $tar_file ($(du -h "$tar_file" | cut -f1), modes kept)"
        ;;
    unpack)
        [[ -f "$tar_file" ]] || die "no $tar_file (the sam-build artifact)"
        rm -rf "$build"
        mkdir -p "$build"
        # --no-same-owner: files belong to whoever unpacks; modes come from the tar.
        tar --extract --file "$tar_file" --directory "$build" --no-same-owner --preserve-permissions
        echo "$PROG: unpacked $tar_file into $build"
        ;;
    *) die "usage: $PROG pack|unpack [TAR]" ;;
esac
