#!/usr/bin/env bash
# Installs what sersync-ts needs on a fresh Debian/Ubuntu machine: rsync (system package),
# the npm dependencies (from package-lock.json) and the build. Safe to run again.
# --for-tests: also the system packages only the tests use (scripts/test.sh passes it).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# System packages: rsync (the product runs it).
missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
if [ "${1:-}" = "--for-tests" ]; then
  # faketime (libfaketime): the wall-clock step test.
  [ -e "/usr/lib/$(uname -m)-linux-gnu/faketime/libfaketimeMT.so.1" ] || missing+=(faketime)
  # lintian, debootstrap (the stock Debian 12 root it installs into): the .deb test
  # (test/integration/package/deb.test.ts); rpmbuild, rpm and rpmlint: the .rpm test (rpm.test.ts).
  command -v lintian >/dev/null 2>&1 || missing+=(lintian)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v rpmbuild >/dev/null 2>&1 || missing+=(rpm)
  command -v rpmlint >/dev/null 2>&1 || missing+=(rpmlint)
  # sshd: the ssh tests start their own on 127.0.0.1 (test/helpers/sshd.ts).
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "== missing: ${missing[*]}: installing with apt-get"
  $SUDO apt-get update -qq
  # No service is started by an install (openssh-server would start the machine's own sshd on a
  # machine without systemd): a policy-rc.d that denies every start, for the install only.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$guard" >/dev/null && $SUDO chmod 0755 "$guard"
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" || { [ -z "$guard" ] || $SUDO rm -f "$guard"; exit 1; }
  [ -z "$guard" ] || $SUDO rm -f "$guard"
fi
# sshd's compiled-in privilege separation directory: the package's systemd unit creates it at
# boot (RuntimeDirectory=sshd), a machine or container without systemd does not.
if [ "${1:-}" = "--for-tests" ] && [ ! -d /run/sshd ]; then $SUDO mkdir -m 0755 /run/sshd; fi

# promtool, for the monitoring test (test/integration/package/monitoring.test.ts looks here):
# taken out of Debian's prometheus package without installing it, so no Prometheus server is
# set up, enabled or started.
PROMTOOL_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sersync-ts/tools"
if [ "${1:-}" = "--for-tests" ] && ! command -v promtool >/dev/null 2>&1 && [ ! -x "$PROMTOOL_DIR/promtool" ]; then
  echo "== extracting promtool from Debian's prometheus package into $PROMTOOL_DIR"
  [ ${#missing[@]} -gt 0 ] || $SUDO apt-get update -qq
  dl=$(mktemp -d)
  # _apt downloads into a directory it can write (else apt warns and downloads unsandboxed).
  chmod 0777 "$dl"
  (cd "$dl" && apt-get download -qq prometheus)
  mkdir -p "$PROMTOOL_DIR"
  dpkg-deb --fsys-tarfile "$dl"/prometheus_*.deb | tar -xO ./usr/bin/promtool > "$PROMTOOL_DIR/promtool.tmp"
  chmod 0755 "$PROMTOOL_DIR/promtool.tmp"
  mv "$PROMTOOL_DIR/promtool.tmp" "$PROMTOOL_DIR/promtool"
  rm -rf "$dl"
fi

# rsync as Debian 12's main archive ships it (3.2.7-1+deb12u6 in 2026), for the test of a receiver
# that rejects --delete-missing-args (test/integration/agent/missing-args-rejected.test.ts looks
# here): its May 2026 security patches refuse the mode-0 entries of deleted paths (rsync issue
# #910). Taken out of the package without installing it, beside the system's own rsync.
OLD_RSYNC_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sersync-ts/tools/rsync-bookworm"
if [ "${1:-}" = "--for-tests" ] && [ ! -x "$OLD_RSYNC_DIR/rsync" ]; then
  echo "== extracting rsync from Debian bookworm's main archive into $OLD_RSYNC_DIR"
  dl=$(mktemp -d)
  chmod 0777 "$dl"
  # apt's lists may be older than the archive (or empty, when nothing above needed an update).
  if (cd "$dl" && apt-get download -qq rsync/bookworm 2>/dev/null) ||
    { $SUDO apt-get update -qq && (cd "$dl" && apt-get download -qq rsync/bookworm); }; then
    mkdir -p "$OLD_RSYNC_DIR"
    dpkg-deb --fsys-tarfile "$dl"/rsync_*.deb | tar -xO ./usr/bin/rsync > "$OLD_RSYNC_DIR/rsync.tmp"
    chmod 0755 "$OLD_RSYNC_DIR/rsync.tmp"
    mv "$OLD_RSYNC_DIR/rsync.tmp" "$OLD_RSYNC_DIR/rsync"
  else
    echo "== no rsync/bookworm in this machine's apt sources: that test cannot run here"
  fi
  rm -rf "$dl"
fi

# A symlinked node_modules (a git worktree sharing another checkout's) is left alone: npm ci would
# empty the directory it points to, under every other checkout that uses it.
if [ -L node_modules ]; then
  echo "== node_modules is a symlink to $(readlink node_modules): not reinstalling it here"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building"
npm run -s build
