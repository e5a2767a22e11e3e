import { unescapeRsyncName } from '../delete-safety/deletions.js';
import type { BytePath } from '../shared/bytepath.js';
import { parseBucketName } from '../rsync/buckets.js';

/**
 * Reading the receiver's versions and mirror. rsync's --list-only cannot take --files-from, so
 * a listing is a dry-run pull into an empty directory that prints one line per entry in
 * LISTING_FORMAT: item flags, size, mtime (the client's local time, this process's too), name
 * (escaped by rsync under LC_ALL=C, so no name holds a line end; verify/itemize.ts). Pure.
 */
export const LISTING_FORMAT = '--out-format=%i|%l|%M|%n';

export interface ListedFile {
  /** As listed: relative to the pulled directory. */
  readonly path: BytePath;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface Listing {
  readonly files: ListedFile[];
  /** Directories (no trailing `/`). */
  readonly dirs: BytePath[];
}

const LINE = /^[<>ch.*]([fdLDS])[^|]{9}\|(\d+)\|(\d{4})\/(\d\d)\/(\d\d)-(\d\d):(\d\d):(\d\d)\|(.*)$/s;

export function parseListing(stdout: string): Listing {
  const files: ListedFile[] = [];
  const dirs: BytePath[] = [];
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const name = unescapeRsyncName(m[9]!);
    if (m[1] === 'd') {
      const d = name.replace(/\/$/, '');
      if (d !== '' && d !== '.') dirs.push(d);
    } else if (m[1] === 'f') {
      const [y, mo, d, h, mi, s] = m.slice(3, 9).map(Number) as [number, number, number, number, number, number];
      files.push({ path: name, size: Number(m[2]), mtimeMs: new Date(y, mo - 1, d, h, mi, s).getTime() });
    }
  }
  return { files, dirs };
}

/** The bucket names among a listing's top-level directories, oldest first. */
export function bucketsIn(listing: Listing): string[] {
  return [...new Set(listing.dirs.map((d) => d.split('/')[0]!))].filter((n) => parseBucketName(n) !== null).sort();
}

interface BucketTotals {
  readonly files: number;
  readonly bytes: number;
}

/** Files and bytes per bucket, from a recursive listing of the versions directory. */
export function bucketTotals(listing: Listing): Map<string, BucketTotals> {
  const out = new Map<string, BucketTotals>();
  for (const b of bucketsIn(listing)) out.set(b, { files: 0, bytes: 0 });
  for (const f of listing.files) {
    const t = out.get(f.path.slice(0, f.path.indexOf('/')));
    if (t) out.set(f.path.slice(0, f.path.indexOf('/')), { files: t.files + 1, bytes: t.bytes + f.size });
  }
  return out;
}
