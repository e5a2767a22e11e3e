#!/usr/bin/env bash
# The demo: installs what it needs, starts an rsync daemon on 127.0.0.1:18873 from
# config/rsyncd.conf, runs sersync-ts on /tmp/sersync-ts-demo/src with config/demo.confxml.xml,
# and shows changes arriving in /tmp/sersync-ts-demo/dst.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

DEMO=/tmp/sersync-ts-demo
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -f "$DEMO/rsyncd.pid" ]; then kill "$(cat "$DEMO/rsyncd.pid")" 2>/dev/null || true; fi
rm -rf "$DEMO"
mkdir -p "$DEMO/src" "$DEMO/dst"
umask 077
echo 'rsyncuser:demo-password' > "$DEMO/rsyncd.secrets"   # the server's secrets file
echo 'demo-password' > "$DEMO/rsync.pas"                  # the client's password file
umask 022
echo "hello from before the agent started" > "$DEMO/src/existing.txt"

echo "== starting rsync daemon on 127.0.0.1:18873 (module 'demo')"
# The daemon writes as whoever runs the demo (root or not).
sed -e "s/^uid = .*/uid = $(id -u)/" -e "s/^gid = .*/gid = $(id -g)/" config/rsyncd.conf > "$DEMO/rsyncd.conf"
rsync --daemon --no-detach --config="$DEMO/rsyncd.conf" &
pids+=($!)
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/18873) 2>/dev/null && break; sleep 0.1; done

# The agent's node flags for this node, from the one place that names them (src/shared/node-flags.ts).
flags=$(node --input-type=module -e "import { OWN_NODE_FLAGS } from './dist/src/shared/node-flags.js'; console.log(OWN_NODE_FLAGS.join(' '))")
echo "== starting sersync-ts -r -o config/demo.confxml.xml (as the launcher runs it with this node: node $flags)"
# shellcheck disable=SC2086 # the flags, one word each
node $flags dist/src/main.js -r -o config/demo.confxml.xml > >(sed -u 's/^/   agent | /') 2>&1 &
pids+=($!)

wait_for() { for _ in $(seq 200); do if eval "$1"; then return 0; fi; sleep 0.05; done; echo "timed out: $1"; return 1; }
wait_for '[ -f "$DEMO/dst/existing.txt" ]'
echo "== -r copied the existing file: $(cat "$DEMO/dst/existing.txt")"

start=$(date +%s%N)
echo "written at $(date +%T.%N)" > "$DEMO/src/hello.txt"
wait_for 'cmp -s "$DEMO/src/hello.txt" "$DEMO/dst/hello.txt"'
echo "== hello.txt arrived on the remote in $(( ($(date +%s%N) - start) / 1000000 )) ms"

name='quote'"'"' $(touch PWNED) `id` ; x.txt'
echo "hostile" > "$DEMO/src/$name"
echo "scratch" > "$DEMO/src/skip.tmp"
mkdir -p "$DEMO/src/new/deep" && echo deep > "$DEMO/src/new/deep/file"
wait_for '[ -f "$DEMO/dst/$name" ] && [ -f "$DEMO/dst/new/deep/file" ]'
echo "== a file named: $name"
echo "   arrived intact; PWNED exists anywhere? $(ls "$DEMO/src/PWNED" "$DEMO/dst/PWNED" PWNED 2>/dev/null | wc -l) (0 = nothing ran)"
echo "   skip.tmp is excluded by <filter>: on remote? $([ -e "$DEMO/dst/skip.tmp" ] && echo yes || echo no)"
rm "$DEMO/src/existing.txt"
wait_for '[ ! -e "$DEMO/dst/existing.txt" ]'
echo "== deleting existing.txt locally removed it remotely"
echo "== remote tree now:"
(cd "$DEMO/dst" && find . -mindepth 1 | sort | sed 's/^/   /')
echo "== demo done (the agent and the daemon are stopped on exit)"
