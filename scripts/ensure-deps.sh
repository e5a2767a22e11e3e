#!/usr/bin/env bash
# Installs what sersync-ts needs on a fresh Debian/Ubuntu machine: rsync (system package),
# the npm dependencies (from package-lock.json) and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rsync >/dev/null 2>&1; then
  echo "== rsync is missing: installing it with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rsync
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building"
npx tsc -p tsconfig.json
