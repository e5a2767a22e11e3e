/**
 * Version buckets: every batch while versions are on runs with `--backup-dir=<dir>/<bucket>`,
 * where the bucket is the start of the current period (UTC) as `20261204T2200Z`: sortable as
 * text, plain characters only (no escaping in filter rules, no shell meaning). Pure.
 */

const BUCKET_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z$/;

/** The start of the bucket holding `wallMs`: buckets are aligned on the epoch (so on UTC days for `1h`, `1d`). */
export function bucketStart(wallMs: number, bucketMs: number): number {
  return Math.floor(wallMs / bucketMs) * bucketMs;
}

/** `20261204T2200Z` (seconds only when the bucket does not start on a minute). */
export function bucketName(startMs: number): string {
  const iso = new Date(startMs).toISOString(); // 2026-12-04T22:00:00.000Z
  const secs = iso.slice(17, 19);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${secs === '00' ? '' : secs}Z`;
}

/** The bucket's start in ms, or null for a name that is not a bucket's. */
export function parseBucketName(name: string): number | null {
  const m = BUCKET_NAME.exec(name);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0'));
  return Number.isNaN(ms) || bucketName(ms) !== name ? null : ms;
}

/** The bucket a run at `wallMs` backs up into: `<dir>/<name>`, relative to the destination root. */
export function backupDirAt(dir: string, bucketMs: number, wallMs: number): string {
  return `${dir}/${bucketName(bucketStart(wallMs, bucketMs))}`;
}

/**
 * The buckets retention removes: every one that ended `keepMs` or more ago. Never the bucket in
 * use (nor a later one: a clock stepped back must not lose what was just kept).
 */
export function expiredBuckets(names: readonly string[], nowMs: number, bucketMs: number, keepMs: number): string[] {
  const current = bucketStart(nowMs, bucketMs);
  return names.filter((n) => {
    const start = parseBucketName(n);
    return start !== null && start < current && start + bucketMs <= nowMs - keepMs;
  });
}
