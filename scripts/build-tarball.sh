#!/usr/bin/env bash
# Builds sersync-ts-<version>-linux-<arch>.tar.gz (version from package.json) for any Linux with
# glibc >= 2.28: the tree scripts/package/stage.sh stages for the packages, with /usr as the top
# directory sersync-ts-<version>-linux-<arch>/ (bin/sersync-ts runs from wherever it is unpacked:
# the launcher finds the bundled node beside it), and under share/doc/sersync-ts/examples/ the
# sample confxml.xml, the logrotate snippet and the project's systemd unit (ExecStart runs
# sersync-ts from PATH, e.g. a /usr/local/bin/sersync-ts symlink).
# Usage: bash scripts/build-tarball.sh [--arch x86_64|aarch64] [--staged DIR] [OUT_DIR]
#   (default: this machine's architecture, the repository's top directory)
#   --staged DIR: package the tree scripts/package/stage.sh staged there, not a new one
#   (scripts/build-packages.sh stages once for all three packages)
# Needs node >= 20, npm >= 11 (the npm registry or its cache); works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package/common.sh

stage_package tar "$@"
NAME="sersync-ts-$VERSION-linux-$UNAME"

echo "== tarball layout"
TOP="$STAGE/$NAME"
mv "$STAGE/root/usr" "$TOP"
EX="$TOP/share/doc/sersync-ts/examples"
install -m 0644 "$STAGE/root/etc/sersync-ts/confxml.xml" "$EX/confxml.xml"
install -m 0644 "$STAGE/root/etc/logrotate.d/sersync-ts" "$EX/logrotate"
install -m 0644 systemd/sersync-ts.service "$EX/sersync-ts.service"
rm -rf "$TOP/lib/systemd"
TARBALL="$OUT/$NAME.tar.gz"
# gzip -9, or SERSYNC_TS_GZIP_LEVEL (the tests pass 1: 16 s of CPU less, most of it the node binary).
tar -C "$STAGE" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -cf - "$NAME" \
  | gzip -"${SERSYNC_TS_GZIP_LEVEL:-9}"n > "$TARBALL"
echo "built $TARBALL"
