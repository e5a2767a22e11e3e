#!/usr/bin/env bash
# Builds sersync-ts-<version>-linux-<arch>.tar.gz (version from package.json) for any Linux with
# glibc >= 2.28: the tree scripts/package/stage.sh stages for the packages, with /usr as the top
# directory sersync-ts-<version>-linux-<arch>/ (bin/sersync-ts runs from wherever it is unpacked:
# the launcher finds the bundled node beside it), and under share/doc/sersync-ts/examples/ the
# sample confxml.xml, the logrotate snippet and the project's systemd unit (ExecStart runs
# sersync-ts from PATH, e.g. a /usr/local/bin/sersync-ts symlink).
# Usage: bash scripts/build-tarball.sh [--arch x86_64|aarch64] [OUT_DIR]
#   (default: this machine's architecture, the repository's top directory)
# Needs node >= 20, npm >= 11 (the npm registry or its cache); works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package/arch.sh
ARCH=$(uname -m)
if [ "${1:-}" = "--arch" ]; then ARCH=${2:?--arch needs x86_64 or aarch64}; shift 2; fi
names=$(package_arch "$ARCH")
read -r UNAME _ _ <<<"$names"
OUT=$(cd "${1:-.}" && pwd)
VERSION=$(node -p 'require("./package.json").version')
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
export SOURCE_DATE_EPOCH
NAME="sersync-ts-$VERSION-linux-$UNAME"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-tar.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
bash scripts/package/stage.sh "$UNAME" "$STAGE/root"

echo "== tarball layout"
TOP="$STAGE/$NAME"
mv "$STAGE/root/usr" "$TOP"
EX="$TOP/share/doc/sersync-ts/examples"
install -m 0644 "$STAGE/root/etc/sersync-ts/confxml.xml" "$EX/confxml.xml"
install -m 0644 "$STAGE/root/etc/logrotate.d/sersync-ts" "$EX/logrotate"
install -m 0644 systemd/sersync-ts.service "$EX/sersync-ts.service"
rm -rf "$TOP/lib/systemd"
TARBALL="$OUT/$NAME.tar.gz"
tar -C "$STAGE" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -cf - "$NAME" | gzip -9n > "$TARBALL"
echo "built $TARBALL"
