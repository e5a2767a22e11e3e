#!/usr/bin/env bash
# Builds the .deb, the .rpm and the tarball for one architecture from one staging (npm ci, tsc,
# the bundled node: scripts/package/stage.sh), which each of scripts/build-{deb,rpm,tarball}.sh
# would otherwise do again: what a release runs, and what the package tests share.
# Usage: bash scripts/build-packages.sh [--arch x86_64|aarch64] [--formats deb,rpm,tarball] [OUT_DIR]
#   (default: this machine's architecture, all three, the repository's top directory)
# Needs what the three scripts need: node >= 20, npm >= 11, dpkg-deb, rpmbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package/common.sh

# --formats is this script's own; the rest are build_args' (--arch, OUT_DIR), read as the three
# scripts read them.
formats=deb,rpm,tarball
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --formats) formats=${2:?--formats needs a list such as deb,rpm,tarball}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
build_args "${args[@]}"
for f in ${formats//,/ }; do
  case "$f" in
    deb | rpm | tarball) ;;
    *) echo "build-packages.sh: unknown format '$f' in --formats: give deb, rpm or tarball" >&2; exit 1 ;;
  esac
done
staged=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-staged.XXXXXX")
trap 'rm -rf "$staged"' EXIT
bash scripts/package/stage.sh "$UNAME" "$staged/root"
for f in ${formats//,/ }; do
  bash "scripts/build-$f.sh" --arch "$UNAME" --staged "$staged/root" "$OUT"
done
