import fs from 'node:fs';
import type { VersionsConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import { backupDirAt } from './buckets.js';

/**
 * The wall clock buckets and retention read. Tests set SERSYNC_TEST_VERSIONS_CLOCK to a file
 * holding an ISO time (re-read at every call) to move an agent across buckets without waiting
 * hours; anything else reads the real wall clock.
 */
export function versionsWallNow(clock: Clock, env: NodeJS.ProcessEnv = process.env): number {
  const file = env['SERSYNC_TEST_VERSIONS_CLOCK'];
  if (!file) return clock.wallNow();
  const ms = Date.parse(fs.readFileSync(file, 'utf8').trim());
  return Number.isNaN(ms) ? clock.wallNow() : ms;
}

/** With `<versions>`: the bucket a run starting now backs up into, as a buildXArgs option (none without). */
export function backupDirNow(versions: VersionsConfig | null | undefined, clock: Clock): { backupDir?: string } {
  return versions ? { backupDir: backupDirAt(versions.dir, versions.bucketMs, versionsWallNow(clock)) } : {};
}
