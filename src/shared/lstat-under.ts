import fs from 'node:fs/promises';
import { lstatSync, opendirSync, readdirSync, type BigIntStats, type Dir, type Stats } from 'node:fs';
import { baseName, bytesOf, fsPathOf, joinPath, parentOf, type BytePath } from './bytepath.js';
import { nextTurn } from './one-shot.js';

/** The absolute path of `rel` under `rootAbs`, as bytes (a name need not be UTF-8). */
export function absUnder(rootAbs: string, rel: BytePath): Buffer {
  return Buffer.concat([Buffer.from(rootAbs), Buffer.from('/'), bytesOf(rel)]);
}

/**
 * absUnder as an fs argument: a string when `rel` is ASCII (the same bytes, no Buffers: three
 * allocations and a copy per path were a tenth of a 3,000-file batch's look at the disk).
 */
function fsPathUnder(rootAbs: string, rel: BytePath): string | Buffer {
  const p = fsPathOf(rel);
  return typeof p === 'string' ? `${rootAbs}/${p}` : absUnder(rootAbs, rel);
}

/**
 * lstat of a path under the root, now (synchronous); null when it is gone, ENOTDIR (a parent is
 * no longer a directory) included. Many paths: lstatAllUnder.
 */
export function lstatUnderSync(rootAbs: string, rel: BytePath): Stats | null {
  try {
    return lstatSync(fsPathUnder(rootAbs, rel), { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * lstat of a path under the root with bigint times (ns), off the main thread; null when it is
 * gone or cannot be looked at, as lstatUnderSync. For a few paths at a time: many go through
 * lstatAllUnder (below, on why not a promise each).
 */
export async function lstatUnder(rootAbs: string, rel: BytePath): Promise<BigIntStats | null> {
  try {
    return await fs.lstat(fsPathUnder(rootAbs, rel), { bigint: true });
  } catch {
    return null;
  }
}

/** Paths lstat'ed per turn of the event loop by lstatEachUnder (and lstatAllUnder). */
export const LSTAT_CHUNK = 256;

/**
 * lstat of many paths under the root into `into`; a path already in it is not looked at again.
 * Synchronous lstats in chunks of LSTAT_CHUNK, yielding to the event loop between chunks: the
 * main thread is held 1-3 ms at a time (a loop over an 11,000-path batch held it 50-100 ms).
 * The promise API it replaces (16 in flight through the threadpool) took 2-3 times the wall time,
 * and a missing path cost a rejected promise with an Error and its stack: a 3,000-file rm waited
 * 190 ms between its batch cut and its rsync (issue 21, round 3); throwIfNoEntry allocates nothing.
 */
export async function lstatAllUnder(
  rootAbs: string,
  rels: Iterable<BytePath>,
  into: Map<BytePath, Stats | null>,
): Promise<void> {
  await lstatEachUnder(rootAbs, rels, into, (rel, st) => into.set(rel, st));
}

/** Paths of one directory, not yet known, that make listing it worth a try (see lstatEachUnder). */
export const LIST_MIN = 8;
/** A listing is read only when the directory's size (bytes) is at most this per path it answers, plus a block. */
export const LIST_BYTES_PER_PATH = 64;
const BLOCK = 4096;

/**
 * lstatAllUnder for a caller that keeps less than the Stats: `onStat` gets each path that `known`
 * does not hold yet, once, and must make `known` hold it (a path listed twice is looked at once).
 *
 * A gone path followed by LIST_MIN or more of the same directory (the order a batch lists an
 * `rm`'s paths in) has the rest answered from one listing of the directory (gone if not in it,
 * lstat'ed if in it), or all gone with the directory itself. An `rm` of 3,000 files in 100
 * directories cost 3,100 lstats of missing paths, 17-21 ms of the batch's look; 100 listings of
 * nearly empty directories cost 5 ms (measured, issue 21, round 21). A name answered this way is
 * what its lstat would have said at the listing's time. Only a gone path leads to a listing, so a
 * burst of writes costs none; and a directory is listed only when its size says it is small next
 * to the paths it answers (a name takes 16-40 bytes of an ext4 directory, which keeps its size
 * after its entries go): a few deletions in a 100,000-entry directory are lstat'ed one by one.
 */
export async function lstatEachUnder(
  rootAbs: string,
  rels: Iterable<BytePath>,
  known: { has(rel: BytePath): boolean },
  onStat: (rel: BytePath, st: Stats | null) => void,
): Promise<void> {
  const list = Array.isArray(rels) ? (rels as readonly BytePath[]) : [...rels];
  // For i < listedTo: the listing of list[i]'s directory (null: none, lstat each).
  let listed: ReadonlySet<BytePath> | 'gone' | null = null;
  let listedTo = 0;
  // lstats since the last turn of the event loop (a listing counts a sixteenth per name).
  let work = 0;
  for (let i = 0; i < list.length; i++) {
    const rel = list[i]!;
    if (known.has(rel)) continue;
    if (work >= LSTAT_CHUNK) {
      work = 0;
      await nextTurn();
    }
    work++;
    if (i < listedTo) {
      const there = listed === null || (listed !== 'gone' && listed.has(baseName(rel)));
      onStat(rel, there ? lstatUnderSync(rootAbs, rel) : null);
      continue;
    }
    const st = lstatUnderSync(rootAbs, rel);
    onStat(rel, st);
    if (st !== null) continue;
    // Decided once for the rest of the run, listed or not: a run is never scanned twice.
    listedTo = endOfDirRun(list, i);
    listed = listedTo - i > LIST_MIN ? listForLook(rootAbs, parentOf(rel), listedTo - i - 1) : null;
    if (listed instanceof Set) work += listed.size / 16;
  }
}

/** The index past the paths from list[i] on that share its directory. */
function endOfDirRun(list: readonly BytePath[], i: number): number {
  const first = list[i]!;
  const slash = first.lastIndexOf('/');
  const prefix = first.slice(0, slash + 1);
  let j = i + 1;
  for (; j < list.length; j++) {
    const p = list[j]!;
    if (p.lastIndexOf('/') !== slash || !p.startsWith(prefix)) break;
  }
  return j;
}

/**
 * The names in a directory under the root, for lstatEachUnder to answer `paths` of them: 'gone'
 * when the directory is (so is everything under it); null when it is too big to be worth reading
 * for that many, unreadable, or not a directory (a symlink's size says nothing of its target's).
 */
function listForLook(rootAbs: string, dir: BytePath, paths: number): ReadonlySet<BytePath> | 'gone' | null {
  const st = lstatUnderSync(rootAbs, dir);
  if (!st) return 'gone';
  if (!st.isDirectory() || st.size <= 0 || st.size > BLOCK + LIST_BYTES_PER_PATH * paths) return null;
  try {
    return new Set(readdirSync(fsPathUnder(rootAbs, dir), { encoding: 'latin1' }));
  } catch {
    return null;
  }
}

/** A directory's entries, as far as a fold needs them (lane/fold-deletions.ts, fold-changes.ts). */
export interface DirNames {
  /** The entries' paths, relative to the root (as far as read, when `hasSubdir`). */
  readonly names: readonly BytePath[];
  /** One of them is a directory (the read stopped there: no fold takes such a directory). */
  readonly hasSubdir: boolean;
}

/**
 * The entries of a directory under the root, read now and only as far as a fold can use them:
 * null when it is gone, not a directory, or holds more than `max` entries; a subdirectory stops
 * the read. Synchronous, one directory at a time: a fold's candidates are each at most `max`
 * entries (the batch's own files), and a whole read of a 100,000-entry directory through
 * fs.readdir cost 200-370 ms of wall time and more of CPU (issue 21, round 10); 400 directories of
 * 100 entries read this way took 40-50 ms of CPU against 74-122 ms through the promise API.
 */
export function readDirUnderSync(rootAbs: string, rel: BytePath, max: number): DirNames | null {
  let dir: Dir;
  try {
    // 'latin1': each name's bytes as a byte string (a name need not be UTF-8), as listForLook
    // reads them. 'buffer' made a Buffer per name to decode: 100 reads of 128 names took twice the
    // time and allocated 6.1 MB against 3.1 (issue 21, round 29). A read of `max + 1` entries at
    // most decides the answer.
    dir = opendirSync(fsPathUnder(rootAbs, rel), { encoding: 'latin1', bufferSize: Math.min(128, max + 1) });
  } catch {
    return null;
  }
  try {
    const names: BytePath[] = [];
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) {
      if (e.isDirectory()) return { names, hasSubdir: true };
      if (names.length === max) return null;
      names.push(joinPath(rel, e.name));
    }
    return { names, hasSubdir: false };
  } catch {
    return null;
  } finally {
    dir.closeSync();
  }
}
