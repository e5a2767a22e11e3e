#!/usr/bin/env bash
# npm run bench: installs rsync and lsyncd (apt-get) when missing, the npm dependencies, builds,
# then runs bench/bench.ts (about 25-30 min on 2 cores; see docs/BENCHMARKS.md). ensure-deps.sh
# also installs openssh-server: ssh-latency starts an sshd of its own on 127.0.0.1.
# Arguments are passed on (npm run bench -- ARGS): workload names (latency ssh-latency burst-create
# burst-modify burst-delete rename bigfile startup watchers; default all), --repeat N (default 3),
# --repeat-1m N, --no-1m, --no-lsyncd-default, --system SUBSTR, --server-nodelay, --tmpdir DIR,
# --json FILE, --keep-trees DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v lsyncd >/dev/null 2>&1; then
  echo "== lsyncd is missing: installing it with apt-get"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lsyncd
fi
bash scripts/ensure-deps.sh
exec node dist/bench/bench.js "$@"
