#!/usr/bin/env bash
# npm run bench: installs rsync and lsyncd (apt-get) when missing, the npm dependencies, builds,
# then runs scripts/bench/bench.ts (about 25-30 min on 2 cores; see docs/BENCHMARKS.md). openssh-server
# too: ssh-latency starts an sshd of its own on 127.0.0.1 (the machine's sshd is not used).
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
if [ ! -x /usr/sbin/sshd ]; then
  echo "== sshd (openssh-server) is missing: installing it with apt-get (ssh-latency starts its own on 127.0.0.1)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-server
fi
# sshd's compiled-in privilege separation directory (a container without systemd lacks it).
if [ ! -d /run/sshd ] && [ "$(id -u)" -eq 0 ]; then mkdir -m 0755 /run/sshd; fi
bash scripts/ensure-deps.sh
exec node dist/scripts/bench/bench.js "$@"
