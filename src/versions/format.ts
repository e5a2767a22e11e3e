import { formatBytes } from '../lane/report.js';
import { toText, type BytePath } from '../shared/bytepath.js';
import { BUCKET_DURATION, parseDuration } from '../config/duration.js';
import type { Kept } from './query.js';
import type { VersionsRemote } from './remote.js';
import type { Choice } from './resolve.js';

/** What `sersync-ts versions` and `restore` print. Pure. */

/** `--at`: ISO 8601 (`2026-12-04T21:30Z`, `2026-12-04 21:30:00+01:00`) or a duration ago (`2h`); else what is wrong. */
export function parseAt(text: string, nowMs: number): number | string {
  const ago = parseDuration(text, BUCKET_DURATION);
  if (ago !== null) return nowMs - ago;
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(text.trim())) {
    const ms = Date.parse(text.trim().replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  return 'expected an ISO 8601 time (2026-12-04T21:30Z; without a zone it is local time) or a duration ago (90m, 2h, 3d)';
}

/** `2026-12-04 22:00:05Z`. */
function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A name as people read it: JSON-quoted when it holds anything but plain printable characters. */
function shown(p: BytePath): string {
  const t = toText(p);
  return /^[\x21-\x7e][\x20-\x7e]*$/.test(t) && !t.endsWith(' ') ? t : JSON.stringify(t);
}

function row(when: string, size: number, mtimeMs: number, p: BytePath): string {
  return `${when.padEnd(20)} ${String(size).padStart(12)}  ${utc(mtimeMs)}  ${shown(p)}`;
}

export function formatVersions(target: string, v: VersionsRemote, kept: Kept): string[] {
  const hours = (ms: number): string =>
    ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`;
  const out = [
    `${target} on ${v.remote.label} (buckets of ${hours(v.rsync.versions.bucketMs)}, kept ${hours(v.rsync.versions.keepMs)}; a version is the content replaced or deleted during its bucket)`,
  ];
  const paths = [...new Set([...kept.versions.keys(), ...kept.current.keys()])].sort();
  if (paths.length === 0) return [...out, 'no versions and nothing in the mirror'];
  out.push(`${'bucket (UTC)'.padEnd(20)} ${'size'.padStart(12)}  ${'mtime (UTC)'.padEnd(20)}  path`);
  for (const p of paths) {
    for (const x of kept.versions.get(p) ?? []) out.push(row(utc(x.bucketStart).slice(0, 16), x.size, x.mtimeMs, p));
    const c = kept.current.get(p);
    out.push(
      c
        ? row('now (mirror)', c.size, c.mtimeMs, p)
        : `${'now (mirror)'.padEnd(20)} ${'deleted'.padStart(12)}  ${''.padEnd(20)}  ${shown(p)}`,
    );
  }
  const n = [...kept.versions.values()].reduce((a, l) => a + l.length, 0);
  const bytes = [...kept.versions.values()].flat().reduce((a, x) => a + x.size, 0);
  out.push(`${n} version(s) of ${paths.length} file(s), ${formatBytes(bytes)}`);
  return out;
}

export function formatRestored(
  target: string,
  atMs: number,
  into: string,
  v: VersionsRemote,
  files: ReadonlyMap<BytePath, Choice & object>,
): string[] {
  if (files.size === 0)
    return [`${target} had no content at ${utc(atMs)} that ${v.remote.label} keeps (see sersync-ts versions)`];
  const from = new Map<string, number>();
  for (const c of files.values()) {
    const k = c.from === 'bucket' ? `bucket ${c.version.bucket}` : 'the mirror (unchanged since)';
    from.set(k, (from.get(k) ?? 0) + 1);
  }
  const lines = [...files]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .slice(0, 20)
    .map(([p, c]) => `  ${shown(p)}  <- ${c.from === 'bucket' ? `bucket ${c.version.bucket}` : 'mirror'}`);
  if (files.size > 20) lines.push(`  ... and ${files.size - 20} more`);
  return [
    `restored ${target} as at ${utc(atMs)} from ${v.remote.label} into ${into}: ${files.size} file(s), ${[...from].map(([k, n]) => `${n} from ${k}`).join(', ')}`,
    ...lines,
  ];
}
