#!/bin/sh
# Replaces sersync's check_sersync.sh for cron users: starts sersync-ts -d when its PID file
# names no running process. PID-file based, not `ps | grep`.
# crontab: */5 * * * * /opt/sersync-ts/scripts/check-sersync-ts.sh /etc/sersync-ts/confxml.xml
CONFIG=${1:-/etc/sersync-ts/confxml.xml}
PIDFILE=${2:-/run/sersync-ts.pid}
SERSYNC=${SERSYNC_TS:-sersync-ts}
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  exit 0
fi
echo "$(date '+%F %T') sersync-ts not running (PID file $PIDFILE); starting it" >&2
exec "$SERSYNC" -d -r -o "$CONFIG" --pid-file="$PIDFILE"
