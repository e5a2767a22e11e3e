import type { VersionsConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import { backupDirAt } from './buckets.js';

/** With `<versions>`: the bucket a run starting now backs up into, as a buildXArgs option (none without). */
export function backupDirNow(versions: VersionsConfig | null | undefined, clock: Clock): { backupDir?: string } {
  return versions ? { backupDir: backupDirAt(versions.dir, versions.bucketMs, clock.wallNow()) } : {};
}
