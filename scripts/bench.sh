#!/usr/bin/env bash
# npm run bench: installs rsync and lsyncd (apt-get) when missing, builds, runs bench/bench.ts.
# Arguments are passed on: workload names (latency burst-create burst-modify burst-delete rename)
# and --no-lsyncd-default (skip lsyncd with its 15 s default delay).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v lsyncd >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lsyncd
fi
bash scripts/ensure-deps.sh
exec node dist/bench/bench.js "$@"
