#!/usr/bin/env bash
# Stages what the .deb, the .rpm and the tarball install, for one architecture, under ROOT:
#   usr/bin/sersync-ts                      the launcher (scripts/package/sersync-ts)
#   usr/lib/sersync-ts/node/bin/node        the bundled Node.js (scripts/package/runtime.sh)
#   usr/lib/sersync-ts/stop-agents          stops every agent of the installation (removal)
#   usr/share/sersync-ts/                   dist/src compiled and bundled, package.json, production node_modules
#   usr/lib/systemd/system/sersync-ts.service   the project's unit with the packaged paths
#   etc/sersync-ts/confxml.xml, etc/logrotate.d/sersync-ts, var/log/sersync-ts/
#   usr/share/man/man1/sersync-ts.1.gz, usr/share/doc/sersync-ts/ (READMEs, examples, copyright)
# Each package script then adds its own metadata (DEBIAN/, the rpm spec) or layout.
# Usage: bash scripts/package/stage.sh ARCH ROOT     (ARCH: x86_64/amd64 or aarch64/arm64)
# Needs node >= 20 and npm >= 11 on the build machine; installs the project's npm dependencies
# (npm ci) when the checkout has none yet, as in a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCH=$1
ROOT=$2
VERSION=$(node -p 'require("./package.json").version')
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
export SOURCE_DATE_EPOCH
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-stage.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
APP="$ROOT/usr/share/sersync-ts"
LIB="$ROOT/usr/lib/sersync-ts"
DOC="$ROOT/usr/share/doc/sersync-ts"
umask 022

if [ ! -x node_modules/.bin/tsc ]; then
  echo "== no node_modules/.bin/tsc (a fresh clone): npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "== compiling src (no tests, no source maps)"
node_modules/.bin/tsc -p scripts/tsconfig.release.json --outDir "$WORK/build"
node scripts/bundle.mjs "$WORK/build"

echo "== staging $APP"
mkdir -p "$APP/dist"
cp -r "$WORK/build/src" "$APP/dist/src"
cp package.json package-lock.json "$APP/"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
# npm's bookkeeping, bin links, the modules' dotfiles (.eslintrc, .npmignore, .gitattributes) and
# their source maps, READMEs and changelogs: nothing at run time reads them. License files stay.
rm -rf "$APP/package-lock.json" "$APP/node_modules/.package-lock.json" "$APP/node_modules/.bin"
find "$APP/node_modules" -name '.*' -prune -exec rm -rf {} +
find "$APP/node_modules" -type f \( -name '*.map' -o -iname 'readme*' -o -iname 'changelog*' -o -iname 'history.md' -o -iname 'contributing*' -o -iname 'governance*' \) -delete
# Nothing here is executed by path: the launcher runs main.js with the bundled node, and the
# modules' CLIs are not used. Their "#!/usr/bin/env node" (npm's bin convention) would name a
# node that is not on PATH: the line becomes blank (stack traces keep their line numbers), and
# no file keeps an x bit (some modules ship plain .js files with it).
find "$APP" -type f -perm /111 -exec chmod a-x {} +
# (One awk over all the files, not a head per file: thousands of forks cost seconds. The modules'
# file names hold no newline.)
find "$APP" -type f -exec awk 'FNR == 1 { if (/^#!/) print FILENAME; nextfile }' {} + \
  | while IFS= read -r f; do sed -i '1s/.*//' "$f"; done
echo "== runtime"
bash scripts/package/runtime.sh "$ARCH" "$LIB/node" "$WORK/node-LICENSE"
install -D -m 0755 scripts/package/sersync-ts "$ROOT/usr/bin/sersync-ts"
install -m 0755 scripts/package/stop-agents "$LIB/stop-agents"

# The project's unit, with the packaged paths.
UNIT="$ROOT/usr/lib/systemd/system/sersync-ts.service"
mkdir -p "$(dirname "$UNIT")"
sed -e 's#^ExecStart=/usr/bin/env sersync-ts #ExecStart=/usr/bin/sersync-ts #' \
    -e 's#^Documentation=.*#Documentation=man:sersync-ts(1) file:///usr/share/doc/sersync-ts/README.md.gz#' \
    systemd/sersync-ts.service > "$UNIT"
grep -q '^ExecStart=/usr/bin/sersync-ts .*-o /etc/sersync-ts/confxml.xml$' "$UNIT" \
  || { echo "stage.sh: systemd/sersync-ts.service: ExecStart no longer matches what this script rewrites" >&2; exit 1; }
install -D -m 0644 config/confxml.xml "$ROOT/etc/sersync-ts/confxml.xml"
install -D -m 0644 scripts/package/logrotate "$ROOT/etc/logrotate.d/sersync-ts"
install -d -m 0755 "$ROOT/var/log/sersync-ts"

echo "== docs, man page, copyright"
mkdir -p "$DOC/examples"
for f in README.md README.zh-CN.md; do gzip -9n < "$f" > "$DOC/$f.gz"; done
install -m 0644 config/prometheus/sersync-ts.rules.yml config/prometheus/sersync-ts.rules.test.yml config/grafana/sersync-ts.json scripts/check-sersync-ts.sh "$DOC/examples/"
node "$WORK/build/scripts/package/copyright.js" "$APP" usr/share/sersync-ts "$(date -u +%Y -d "@$SOURCE_DATE_EPOCH")" 'the sersync-ts authors' \
  usr/lib/sersync-ts/node "$WORK/node-LICENSE" > "$DOC/copyright"
chmod 0644 "$DOC/copyright"
mkdir -p "$ROOT/usr/share/man/man1"
# --help (run by this machine's node: the bundled one may be another architecture's), escaped
# for roff (backslashes, hyphens, a leading dot or quote).
node "$APP/dist/src/main.js" --help | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" > "$WORK/help.roff"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@DATE@/$(date -u +%Y-%m-%d -d "@$SOURCE_DATE_EPOCH")/" \
    -e "/@HELP@/{r $WORK/help.roff" -e 'd}' scripts/package/sersync-ts.1.in | gzip -9n > "$ROOT/usr/share/man/man1/sersync-ts.1.gz"
echo "staged sersync-ts $VERSION for $ARCH in $ROOT"
