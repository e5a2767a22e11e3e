#!/usr/bin/env bash
# Installs what sersync-ts needs on a fresh Debian/Ubuntu machine: rsync (system package),
# the npm dependencies (from package-lock.json) and the build. Safe to run again.
# --for-tests: also the system packages only the tests use (scripts/test.sh passes it).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: rsync (the product runs it).
missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
if [ "${1:-}" = "--for-tests" ]; then
  # faketime (libfaketime): the wall-clock step test.
  [ -e "/usr/lib/$(uname -m)-linux-gnu/faketime/libfaketimeMT.so.1" ] || missing+=(faketime)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "== missing: ${missing[*]}: installing with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building"
npx tsc -p tsconfig.json
