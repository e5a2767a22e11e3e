#!/usr/bin/env bash
# Builds sersync-ts_<version>_<arch>.deb (version from package.json) with dpkg-deb: what
# scripts/package/stage.sh stages (the app, its production node_modules, the bundled Node.js, the
# launcher, the unit, /etc/sersync-ts/confxml.xml and the logrotate snippet as conffiles, docs, the
# man page, the copyright file), the unit moved to /lib/systemd/system, the maintainer scripts
# and the Debian changelog. Templates: scripts/deb/ and scripts/package/.
# Usage: bash scripts/build-deb.sh [--arch amd64|arm64] [--staged DIR] [OUT_DIR]
#   (default: this machine's architecture, the repository's top directory)
#   --staged DIR: package the tree scripts/package/stage.sh staged there, not a new one
#   (scripts/build-packages.sh stages once for all three packages)
# Needs node >= 20, npm >= 11 (the npm registry or its cache) and dpkg-deb; works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package/common.sh

stage_package deb "$@"
DEB="$OUT/sersync-ts_${VERSION}_${DEBARCH}.deb"
ROOT="$STAGE/root"

echo "== Debian layout and control files"
# Debian 12's systemd and lintian still look in /lib/systemd/system.
mkdir -p "$ROOT/lib"
mv "$ROOT/usr/lib/systemd" "$ROOT/lib/systemd"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DATE_RFC2822@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" \
  scripts/deb/changelog.in | gzip -9n > "$ROOT/usr/share/doc/sersync-ts/changelog.gz"
install -D -m 0644 scripts/deb/lintian-overrides "$ROOT/usr/share/lintian/overrides/sersync-ts"
mkdir -p "$ROOT/DEBIAN"
# control.in's Depends are what the bundled node binary links against (readelf -V, both
# architectures of node 24): GLIBC_2.28 -> libc6 (>= 2.28), CXXABI_1.3.11 (GCC 7) ->
# libstdc++6 (>= 7), libgcc_s (libgcc1 before Debian 11). Recheck them when the pin moves.
SIZE=$(du -sk --apparent-size "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@INSTALLED_SIZE@/$SIZE/" -e "s/@ARCH@/$DEBARCH/" \
  scripts/deb/control.in > "$ROOT/DEBIAN/control"
install -m 0644 scripts/deb/conffiles "$ROOT/DEBIAN/conffiles"
install -m 0755 scripts/deb/postinst scripts/deb/prerm scripts/deb/postrm "$ROOT/DEBIAN/"
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$ROOT/DEBIAN/md5sums"

# xz -6 (30 MB): 60 s of CPU, most of it the node binary; the tests pass SERSYNC_TS_XZ_LEVEL=1
# (35 MB, a third of the time): the same files, packed faster.
dpkg-deb --root-owner-group -Zxz -z"${SERSYNC_TS_XZ_LEVEL:-6}" --build "$ROOT" "$DEB" >/dev/null
echo "built $DEB"
