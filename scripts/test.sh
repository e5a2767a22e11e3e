#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the unit then the integration tests
# (against real rsync daemons on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --for-tests
echo "== unit and integration tests"
# One file at a time: the integration tests start rsync daemons and watch large trees.
exec node --test --test-concurrency=1 --test-timeout=600000 dist/test/unit dist/test/integration
