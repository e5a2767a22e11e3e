import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fromBytes, type BytePath } from '../shared/bytepath.js';
import { lstatUnder, lstatUnderSync } from '../shared/lstat-under.js';
import { GATE, type FileLook } from './large-gate.js';
import { LARGE_FILE_BYTES, type SlotLook } from './large-files.js';
import type { WriterCheck } from './open-writers.js';
import type { SlotRule } from './stat-batch.js';

/** The absolute path of `rel` as a byte string, the way /proc's fd links read in latin1. */
function absBytes(rootAbs: string, rel: BytePath): string {
  return `${fromBytes(Buffer.from(rootAbs))}/${rel}`;
}

/**
 * One look at the held files: an lstat each, side by side, then one writer scan for the regular
 * files among them of at least `minBytes` (the smaller ones go anyway). The lstats go through
 * the promise API: the slot holds a handful of files, so a promise each costs nothing worth
 * measuring and the main thread does not wait on the disk. (A batch's thousands of paths stay
 * synchronous in chunks, shared/lstat-under.ts: there the promise API was 2-3 times slower.)
 * The scan stays synchronous: a /proc walk of a few ms. `costMs` counts from the lstats' answer:
 * what the look held the main thread, not how long the thread pool took to get to the lstats.
 */
export async function lookAt(
  rootAbs: string,
  paths: readonly BytePath[],
  minBytes: number,
  writers: WriterCheck,
): Promise<SlotLook> {
  const stats = new Map<BytePath, fs.BigIntStats | null>(
    await Promise.all(paths.map(async (p) => [p, await lstatUnder(rootAbs, p)] as const)),
  );
  const t0 = performance.now();
  const candidates = paths.filter((p) => {
    const st = stats.get(p);
    return st?.isFile() === true && st.size >= BigInt(minBytes);
  });
  const scan =
    candidates.length > 0
      ? writers(candidates.map((p) => absBytes(rootAbs, p)))
      : { writing: new Set<string>(), complete: true, ms: 0 };
  const files = new Map<BytePath, FileLook>();
  for (const p of paths) {
    const st = stats.get(p);
    const file = st?.isFile()
      ? { size: Number(st.size), sig: `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` }
      : null;
    files.set(p, { file, writing: scan.writing.has(absBytes(rootAbs, p)) });
  }
  return { files, complete: scan.complete, costMs: performance.now() - t0 };
}

/**
 * The biggest regular file among `entries` (what most likely did not fit when rsync named none);
 * null when none exists. Synchronous although a failed batch can hold thousands of entries: it
 * runs while the lane judges the batch (lane-judge.ts), which must not yield (a rare path: the
 * receiver is full and rsync named no file).
 */
export function biggestFile<T extends { readonly path: BytePath }>(rootAbs: string, entries: readonly T[]): T | null {
  let best: T | null = null;
  let size = -1;
  for (const e of entries) {
    const st = lstatUnderSync(rootAbs, e.path);
    if (st?.isFile() && st.size > size) [best, size] = [e, st.size];
  }
  return best;
}

/**
 * The main slot asks whether a file of GATE.growingBytes or more is still open for writing only
 * when its inode changed this recently: a file that has not changed for this long is not being
 * written now, and the scan is not free.
 */
const RECENT_CHANGE_MS = 2000;

/** What the main slot leaves to the large-file slot: big files, and files still being written. */
export function mainSlotRule(rootAbs: string, wallNow: number, writers: WriterCheck): SlotRule {
  return {
    largeBytes: LARGE_FILE_BYTES,
    growingBytes: GATE.growingBytes,
    changedSince: wallNow - RECENT_CHANGE_MS,
    writers: (paths) => {
      const writing = writers(paths.map((p) => absBytes(rootAbs, p))).writing;
      return new Set(paths.filter((p) => writing.has(absBytes(rootAbs, p))));
    },
  };
}
