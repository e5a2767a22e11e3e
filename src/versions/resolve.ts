import type { BytePath } from '../shared/bytepath.js';
import { parseBucketName } from '../rsync/buckets.js';
import type { ListedFile } from './listing.js';

/** One kept version of a file: the content replaced or deleted during its bucket. */
export interface Version {
  readonly bucket: string;
  readonly bucketStart: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Where the content a file had at a time is: a bucket, the current mirror, or nowhere. */
export type Choice = { readonly from: 'bucket'; readonly version: Version } | { readonly from: 'current' } | null;

/**
 * The content `rel` had at `atMs`. A version in bucket B was replaced (or deleted) at some moment
 * in [B, B + bucketMs): so the first version whose bucket ends after `atMs` is the content at
 * `atMs`, unless its bucket holds `atMs` and what replaced it was already written (mtime) by
 * then: the replacement was then current at `atMs`. With none, the current mirror, unless it was
 * written after `atMs` (it did not exist then: a rewrite after `atMs` would have left a version). A bucket keeps
 * the last content replaced during it, so two changes within one bucket resolve to the later. Pure.
 */
export function resolveAt(
  versions: readonly Version[],
  current: { readonly mtimeMs: number } | null,
  atMs: number,
  bucketMs: number,
): Choice {
  const sorted = [...versions].sort((a, b) => a.bucketStart - b.bucketStart);
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v.bucketStart + bucketMs <= atMs) continue; // replaced before atMs
    if (v.bucketStart <= atMs) {
      const next = sorted[i + 1] ?? current;
      if (next && next.mtimeMs <= atMs) continue; // its replacement was there at atMs
    }
    return { from: 'bucket', version: v };
  }
  return current !== null && current.mtimeMs <= atMs ? { from: 'current' } : null;
}

/**
 * Every version of `rel` (a file, or every file under a directory; `.` is the root) from a
 * recursive listing of the versions directory (names `BUCKET/path`), by path, oldest first.
 */
export function versionsByPath(listed: readonly ListedFile[], rel: BytePath): Map<BytePath, Version[]> {
  const out = new Map<BytePath, Version[]>();
  for (const f of listed) {
    const slash = f.path.indexOf('/');
    const bucketStart = slash > 0 ? parseBucketName(f.path.slice(0, slash)) : null;
    if (bucketStart === null) continue;
    const p = f.path.slice(slash + 1);
    if (!(rel === '.' || p === rel || p.startsWith(`${rel}/`))) continue;
    const list = out.get(p) ?? [];
    list.push({ bucket: f.path.slice(0, slash), bucketStart, size: f.size, mtimeMs: f.mtimeMs });
    out.set(
      p,
      list.sort((a, b) => a.bucketStart - b.bucketStart),
    );
  }
  return out;
}

/** Per file under `rel`: where its content at `atMs` comes from (files with none are left out). */
export function planRestore(
  versions: ReadonlyMap<BytePath, readonly Version[]>,
  current: ReadonlyMap<BytePath, ListedFile>,
  atMs: number,
  bucketMs: number,
): Map<BytePath, Choice & object> {
  const out = new Map<BytePath, Choice & object>();
  for (const p of new Set([...versions.keys(), ...current.keys()])) {
    const c = resolveAt(versions.get(p) ?? [], current.get(p) ?? null, atMs, bucketMs);
    if (c) out.set(p, c);
  }
  return out;
}
