#!/usr/bin/env bash
# Builds sersync-ts_<version>_all.deb (version from package.json) with dpkg-deb: the compiled
# dist/src and its production node_modules under /usr/share/sersync-ts, the /usr/bin/sersync-ts
# launcher, the systemd unit, /etc/sersync-ts/confxml.xml and the logrotate snippet (conffiles),
# the maintainer scripts, docs, a man page and the copyright file. Templates: scripts/deb/.
# Usage: bash scripts/build-deb.sh [OUT_DIR]   (default: the repository's top directory)
# Needs node, npm (the npm registry or its cache for `npm ci --omit=dev`) and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=$(cd "${1:-.}" && pwd)
VERSION=$(node -p 'require("./package.json").version')
MAINTAINER='sersync-ts maintainers <maintainers@users.noreply.b-seed-f219bfca.example>'
# Reproducible dates: the last commit's, else package.json's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
export SOURCE_DATE_EPOCH
DEB="$OUT/sersync-ts_${VERSION}_all.deb"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
ROOT="$STAGE/root"
APP="$ROOT/usr/share/sersync-ts"
DOC="$ROOT/usr/share/doc/sersync-ts"
umask 022

echo "== compiling src (no tests, no source maps)"
npx tsc -p scripts/tsconfig.release.json --outDir "$STAGE/build"

echo "== staging $APP"
mkdir -p "$APP/dist"
cp -r "$STAGE/build/src" "$APP/dist/src"
cp package.json package-lock.json "$APP/"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
# npm's bookkeeping, bin links, the modules' dotfiles (.eslintrc, .npmignore, .gitattributes) and
# their source maps, READMEs and changelogs: nothing at run time reads them. License files stay.
rm -rf "$APP/package-lock.json" "$APP/node_modules/.package-lock.json" "$APP/node_modules/.bin"
find "$APP/node_modules" -name '.*' -prune -exec rm -rf {} +
find "$APP/node_modules" -type f \( -name '*.map' -o -iname 'readme*' -o -iname 'changelog*' -o -iname 'history.md' -o -iname 'contributing*' -o -iname 'governance*' \) -delete
# Executable exactly when it starts with #! (some modules ship plain .js files with the x bit).
find "$APP/node_modules" -type f -perm /111 -exec chmod a-x {} +
find "$APP/node_modules" -type f -print0 | while IFS= read -r -d '' f; do
  if [ "$(head -c 2 "$f")" = '#!' ]; then chmod 0755 "$f"; fi
done
chmod 0755 "$APP/dist/src/main.js"

install -D -m 0755 scripts/deb/sersync-ts "$ROOT/usr/bin/sersync-ts"
# The project's unit, with the packaged paths.
mkdir -p "$ROOT/lib/systemd/system"
sed -e 's#^ExecStart=/usr/bin/env sersync-ts #ExecStart=/usr/bin/sersync-ts #' \
    -e 's#^Documentation=.*#Documentation=man:sersync-ts(1) file:///usr/share/doc/sersync-ts/README.md.gz#' \
    systemd/sersync-ts.service > "$ROOT/lib/systemd/system/sersync-ts.service"
grep -q '^ExecStart=/usr/bin/sersync-ts .*-o /etc/sersync-ts/confxml.xml$' "$ROOT/lib/systemd/system/sersync-ts.service" \
  || { echo "build-deb.sh: systemd/sersync-ts.service: ExecStart no longer matches what this script rewrites" >&2; exit 1; }
install -D -m 0644 config/confxml.xml "$ROOT/etc/sersync-ts/confxml.xml"
install -D -m 0644 scripts/deb/logrotate "$ROOT/etc/logrotate.d/sersync-ts"
install -d -m 0755 "$ROOT/var/log/sersync-ts"

echo "== docs, man page, copyright"
mkdir -p "$DOC/examples"
for f in README.md README.zh-CN.md; do gzip -9n < "$f" > "$DOC/$f.gz"; done
install -m 0644 config/prometheus/sersync-ts.rules.yml config/prometheus/sersync-ts.rules.test.yml config/grafana/sersync-ts.json scripts/check-sersync-ts.sh "$DOC/examples/"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DATE_RFC2822@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" \
  scripts/deb/changelog.in | gzip -9n > "$DOC/changelog.gz"
node "$STAGE/build/scripts/deb/copyright.js" "$APP" usr/share/sersync-ts "$(date -u +%Y -d "@$SOURCE_DATE_EPOCH")" 'the sersync-ts authors' > "$DOC/copyright"
mkdir -p "$ROOT/usr/share/man/man1"
# --help, escaped for roff (backslashes, hyphens, a leading dot or quote).
node "$APP/dist/src/main.js" --help | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" > "$STAGE/help.roff"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@DATE@/$(date -u +%Y-%m-%d -d "@$SOURCE_DATE_EPOCH")/" \
    -e "/@HELP@/{r $STAGE/help.roff" -e 'd}' scripts/deb/sersync-ts.1.in | gzip -9n > "$ROOT/usr/share/man/man1/sersync-ts.1.gz"
install -D -m 0644 scripts/deb/lintian-overrides "$ROOT/usr/share/lintian/overrides/sersync-ts"

echo "== control files"
mkdir -p "$ROOT/DEBIAN"
SIZE=$(du -sk --apparent-size "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@INSTALLED_SIZE@/$SIZE/" scripts/deb/control.in > "$ROOT/DEBIAN/control"
install -m 0644 scripts/deb/conffiles "$ROOT/DEBIAN/conffiles"
install -m 0755 scripts/deb/postinst scripts/deb/prerm scripts/deb/postrm "$ROOT/DEBIAN/"
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$ROOT/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "built $DEB"
