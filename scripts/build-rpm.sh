#!/usr/bin/env bash
# Builds sersync-ts-<version>-1.<arch>.rpm (version from package.json) with rpmbuild: the tree
# scripts/package/stage.sh stages (the same files as the .deb, the unit in
# /usr/lib/systemd/system), described by scripts/rpm/sersync-ts.spec.in: the /etc files are
# %config(noreplace), Requires: rsync, %preun/%postun stop the agent on erase and do nothing on
# upgrade.
# Usage: bash scripts/build-rpm.sh [--arch x86_64|aarch64] [--staged DIR] [OUT_DIR]
#   (default: this machine's architecture, the repository's top directory)
#   --staged DIR: package the tree scripts/package/stage.sh staged there, not a new one
#   (scripts/build-packages.sh stages once for all three packages)
# Needs node >= 20, npm >= 11 (the npm registry or its cache) and rpmbuild (Debian: apt-get install
# rpm); works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/package/common.sh

stage_package rpm "$@"

echo "== rpmbuild"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DATE@/$(date -u '+%a %b %d %Y' -d "@$SOURCE_DATE_EPOCH")/" \
  scripts/rpm/sersync-ts.spec.in > "$STAGE/sersync-ts.spec"
# xz (every rpm since RHEL 8 reads it) at level 6, or SERSYNC_TS_XZ_LEVEL (see build-deb.sh).
rpmbuild -bb --target "$UNAME-linux" \
  --define "_topdir $STAGE/rpmbuild" --define "stage $STAGE/root" \
  --define "_binary_payload w${SERSYNC_TS_XZ_LEVEL:-6}.xzdio" \
  --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
  --quiet "$STAGE/sersync-ts.spec"
RPM="$OUT/sersync-ts-$VERSION-1.$UNAME.rpm"
cp "$STAGE/rpmbuild/RPMS/$UNAME/sersync-ts-$VERSION-1.$UNAME.rpm" "$RPM"
echo "built $RPM"
