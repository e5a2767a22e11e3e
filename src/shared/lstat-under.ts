import fs from 'node:fs/promises';
import { lstatSync, opendirSync, type BigIntStats, type Dir, type Stats } from 'node:fs';
import { bytesOf, fromBytes, fsPathOf, joinPath, type BytePath } from './bytepath.js';
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

/**
 * lstatAllUnder for a caller that keeps less than the Stats: `onStat` gets each path that `known`
 * does not hold yet, once, and must make `known` hold it (a path listed twice is looked at once).
 */
export async function lstatEachUnder(
  rootAbs: string,
  rels: Iterable<BytePath>,
  known: { has(rel: BytePath): boolean },
  onStat: (rel: BytePath, st: Stats | null) => void,
): Promise<void> {
  let n = 0;
  for (const rel of rels) {
    if (known.has(rel)) continue;
    if (n > 0 && n % LSTAT_CHUNK === 0) await nextTurn();
    n++;
    onStat(rel, lstatUnderSync(rootAbs, rel));
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
    // encoding 'buffer': the names as bytes (a name need not be UTF-8); the types only know strings.
    dir = opendirSync(fsPathUnder(rootAbs, rel), { encoding: 'buffer' as BufferEncoding, bufferSize: 128 });
  } catch {
    return null;
  }
  try {
    const names: BytePath[] = [];
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) {
      if (e.isDirectory()) return { names, hasSubdir: true };
      if (names.length === max) return null;
      names.push(joinPath(rel, fromBytes(e.name as unknown as Buffer)));
    }
    return { names, hasSubdir: false };
  } catch {
    return null;
  } finally {
    dir.closeSync();
  }
}
