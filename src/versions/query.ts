import type { BytePath } from '../shared/bytepath.js';
import { bucketsIn, type ListedFile } from './listing.js';
import { listRemote, pullFiles, type VersionsRemote } from './remote.js';
import { planRestore, versionsByPath, type Choice, type Version } from './resolve.js';

/** What the receiver keeps of `rel` (a file or a directory; `.` is the root). */
export interface Kept {
  /** Every version, by path, oldest first. */
  readonly versions: Map<BytePath, Version[]>;
  /** The mirror as it is now, by path. */
  readonly current: Map<BytePath, ListedFile>;
}

const under = (p: BytePath, rel: BytePath): boolean => rel === '.' || p === rel || p.startsWith(`${rel}/`);

/**
 * Three listings: the buckets, then `rel` in each bucket (one run, --files-from), then `rel` in
 * the mirror (its versions directory excluded). Names travel NUL-separated on stdin, never argv.
 */
export async function keptOf(v: VersionsRemote, rel: BytePath): Promise<Kept | { readonly error: string }> {
  const dir = `${v.rsync.versions.dir}/`;
  const top = await listRemote(v, dir, { recursive: false });
  if ('error' in top) return top;
  const buckets = bucketsIn(top.listing);
  let versions = new Map<BytePath, Version[]>();
  if (buckets.length > 0) {
    // From the root, not the versions directory: see pullFiles.
    const inBuckets = await listRemote(v, '', {
      files: buckets.map((b) => (rel === '.' ? `${dir}${b}` : `${dir}${b}/${rel}`)),
      recursive: true,
    });
    if ('error' in inBuckets) return inBuckets;
    versions = versionsByPath(
      inBuckets.listing.files
        .filter((f) => f.path.startsWith(dir))
        .map((f) => ({ ...f, path: f.path.slice(dir.length) })),
      rel,
    );
  }
  const mirror = await listRemote(v, '', { files: [rel], recursive: true, excludeVersions: true });
  if ('error' in mirror) return mirror;
  const current = new Map(mirror.listing.files.filter((f) => under(f.path, rel)).map((f) => [f.path, f]));
  return { versions, current };
}

interface Restored {
  /** Per file: where its content came from. */
  readonly files: Map<BytePath, Choice & object>;
}

/**
 * Brings back what `rel` held at `atMs` into `target` (paths relative to the root kept), file
 * by file (resolve.ts): one pull per bucket used and one from the mirror. The mirror's files keep
 * rsync's quick check, so a restore into the watched tree rewrites only what differs (every
 * rewrite is mirrored, and backed up, again).
 */
export async function restoreAt(
  v: VersionsRemote,
  kept: Kept,
  atMs: number,
  target: string,
): Promise<Restored | { readonly error: string }> {
  const files = planRestore(kept.versions, kept.current, atMs, v.rsync.versions.bucketMs);
  const groups = new Map<string, BytePath[]>();
  for (const [p, c] of files) {
    const key = c.from === 'bucket' ? c.version.bucket : '';
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const [bucket, paths] of groups) {
    const err =
      bucket === ''
        ? await pullFiles(v, '', paths, target, false)
        : await pullFiles(v, `${v.rsync.versions.dir}/${bucket}`, paths, target, true);
    if (err !== null) return { error: `${bucket === '' ? 'from the mirror' : `from bucket ${bucket}`}: ${err}` };
  }
  return { files };
}
