#!/usr/bin/env node
/**
 * The CLI with test seams: main.ts's twin for the tests that need what no operator may set (a
 * short stuck limit, no recovery full sync, a deliberate crash). The seams arrive as options to
 * runCli, read here from the environment (so they reach the -d supervisor's workers too, which
 * run this same script); src/ reads no test variable.
 *
 *   SERSYNC_TEST_STUCK_MS=N               the health policy's stuck limits, both N ms
 *   SERSYNC_TEST_NO_UNCLEAN_FULL_SYNC=1   no recovery full sync after an unclean stop
 *   SERSYNC_TEST_CRASH_AFTER_MS=N         an uncaught exception N ms after the agent is ready
 *   SERSYNC_TEST_CANARY_STALL_SLOTS=N     the canary tolerates N skipped 100 ms slots (default 5):
 *                                         a writer starved on a loaded machine asks for no full sync
 *   SERSYNC_TEST_VERSIONS_CLOCK=FILE      the wall clock (version buckets, retention, restore --at) is
 *                                         the ISO time FILE holds, read at every call
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, type CliSeams } from '../../src/cli/run.js';
import { DEFAULT_AGENT_HEALTH_POLICY } from '../../src/status/agent-health.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';

/** This script (built), for tests to run instead of dist/src/main.js. */
export const SEAMED_CLI = fileURLToPath(import.meta.url);

function positive(name: string): number | null {
  const n = Number(process.env[name]);
  return process.env[name] && Number.isFinite(n) && n > 0 ? n : null;
}

/** A clock whose wall time is the ISO time a file holds (moved by the test), the monotonic one real. */
function fileWallClock(file: string): Clock {
  const wallNow = (): number => {
    const ms = Date.parse(fs.readFileSync(file, 'utf8').trim());
    return Number.isNaN(ms) ? systemClock.wallNow() : ms;
  };
  return { ...systemClock, wallNow };
}

function seamsFromEnv(): CliSeams {
  const stuck = positive('SERSYNC_TEST_STUCK_MS');
  const clockFile = process.env['SERSYNC_TEST_VERSIONS_CLOCK'];
  const clock = clockFile ? fileWallClock(clockFile) : null;
  const crash = positive('SERSYNC_TEST_CRASH_AFTER_MS');
  const stallSlots = positive('SERSYNC_TEST_CANARY_STALL_SLOTS');
  return {
    main: SEAMED_CLI,
    ...(clock ? { clock } : {}),
    agent: {
      ...(clock ? { clock } : {}),
      ...(stuck !== null
        ? { healthPolicy: { ...DEFAULT_AGENT_HEALTH_POLICY, maxBatchMs: stuck, maxStallMs: stuck } }
        : {}),
      ...(process.env['SERSYNC_TEST_NO_UNCLEAN_FULL_SYNC'] === '1' ? { recoveryFullSync: false } : {}),
      ...(stallSlots !== null ? { canaryStallSlots: stallSlots } : {}),
    },
    ...(crash !== null
      ? {
          onReady: () =>
            setTimeout(() => {
              throw new Error('SERSYNC_TEST_CRASH_AFTER_MS: deliberate crash for a test');
            }, crash),
        }
      : {}),
  };
}

// Run only as a script: the tests import SEAMED_CLI from here.
if (process.argv[1] === SEAMED_CLI) {
  const code = await runCli(
    process.argv.slice(2),
    { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
    seamsFromEnv(),
  );
  process.exit(code);
}
