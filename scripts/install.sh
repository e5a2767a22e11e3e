#!/usr/bin/env bash
# Installs sersync-ts system-wide: the build under /opt/sersync-ts, the sersync-ts command, the
# systemd unit, and /etc/sersync-ts/confxml.xml from config/ when there is none yet.
# Usage: sudo bash scripts/install.sh [PREFIX]   (PREFIX defaults to /opt/sersync-ts)
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${1:-/opt/sersync-ts}
if [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (sudo)" >&2; exit 1; fi
bash scripts/ensure-deps.sh
mkdir -p "$PREFIX"
cp -a package.json package-lock.json README.md config systemd scripts dist node_modules "$PREFIX"/
# A launcher, not a symlink to main.js: it runs the agent with the flags of the node it finds at
# each start (src/shared/node-flags.ts, nodeLauncher).
rm -f /usr/local/bin/sersync-ts
node --input-type=module -e "import { nodeLauncher } from './dist/src/shared/node-flags.js'; process.stdout.write(nodeLauncher(process.argv[1]))" \
  "$PREFIX/dist/src/main.js" > /usr/local/bin/sersync-ts
chmod 0755 /usr/local/bin/sersync-ts
install -d -m 0755 /etc/sersync-ts
if [ ! -e /etc/sersync-ts/confxml.xml ]; then
  install -m 0644 config/confxml.xml /etc/sersync-ts/confxml.xml
  echo "installed /etc/sersync-ts/confxml.xml: edit <localpath> and <remote>, then: sersync-ts --check -o /etc/sersync-ts/confxml.xml"
else
  echo "kept the existing /etc/sersync-ts/confxml.xml"
fi
install -d -m 0700 /var/lib/sersync-ts
sed "s#/usr/bin/env sersync-ts#/usr/local/bin/sersync-ts#; s#file:///opt/sersync-ts/#file://$PREFIX/#" systemd/sersync-ts.service > /etc/systemd/system/sersync-ts.service
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "unit installed: systemctl enable --now sersync-ts"
else
  echo "unit written to /etc/systemd/system/sersync-ts.service (systemd is not running here)"
fi
