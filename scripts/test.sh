#!/usr/bin/env bash
# The test command: installs what is missing, builds, then two stages (scripts/run-tests.mjs): a
# fast gate (type check, lint, format check, unit tests, in parallel), then the integration tests
# (against real rsync daemons and sshd on 127.0.0.1) in parallel shards. `bash scripts/test.sh gate`
# or `... integration` runs one stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --for-tests
exec node scripts/run-tests.mjs "${1:-all}"
