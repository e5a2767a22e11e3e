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

arch=$(uname -m)
formats=deb,rpm,tarball
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs x86_64 (amd64) or aarch64 (arm64)}; shift 2 ;;
    --formats) formats=${2:?--formats needs a list such as deb,rpm,tarball}; shift 2 ;;
    *) break ;;
  esac
done
names=$(package_arch "$arch")
read -r uname _ _ <<<"$names"
out=$(cd "${1:-.}" && pwd)
for f in ${formats//,/ }; do
  case "$f" in
    deb | rpm | tarball) ;;
    *) echo "build-packages.sh: unknown format '$f' in --formats: give deb, rpm or tarball" >&2; exit 1 ;;
  esac
done
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
export SOURCE_DATE_EPOCH
staged=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-staged.XXXXXX")
trap 'rm -rf "$staged"' EXIT
bash scripts/package/stage.sh "$uname" "$staged/root"
for f in ${formats//,/ }; do
  bash "scripts/build-$f.sh" --arch "$uname" --staged "$staged/root" "$out"
done
