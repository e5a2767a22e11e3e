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

# The ssh tests start their own sshd on 127.0.0.1 (test/helpers/sshd.ts): the machine's sshd
# service is never started or configured here.
if [ ! -x /usr/sbin/sshd ]; then
  echo "== sshd (openssh-server) is missing: installing it with apt-get (for the ssh tests)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-server
fi
# sshd's compiled-in privilege separation directory; the package's systemd unit creates it at
# boot (RuntimeDirectory=sshd), a container without systemd does not.
if [ ! -d /run/sshd ] && [ "$(id -u)" -eq 0 ]; then mkdir -m 0755 /run/sshd; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building"
npx tsc -p tsconfig.json
