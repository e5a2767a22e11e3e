import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fromBytes, type BytePath } from '../shared/bytepath.js';
import { lstatUnderSync } from '../shared/lstat-under.js';
import { GATE, type FileLook } from './large-gate.js';
import { LARGE_FILE_BYTES, type SlotLook } from './large-files.js';
import type { WriterCheck } from './open-writers.js';
import type { SlotRule } from './stat-batch.js';

/** The absolute path of `rel` as a byte string, the way /proc's fd links read in latin1. */
function absBytes(rootAbs: string, rel: BytePath): string {
  return `${fromBytes(Buffer.from(rootAbs))}/${rel}`;
}

/**
 * One look at the held files: an lstat each, and one writer scan for the regular files among
 * them of at least `minBytes` (the smaller ones go anyway). Synchronous: a handful of lstats and
 * a /proc scan of a few ms.
 */
export function lookAt(rootAbs: string, paths: readonly BytePath[], minBytes: number, writers: WriterCheck): SlotLook {
  const t0 = performance.now();
  const stats = new Map<BytePath, fs.BigIntStats | null>(
    paths.map((p) => [p, lstatUnderSync(rootAbs, p, { bigint: true })]),
  );
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

/** The biggest regular file among `entries` (what most likely did not fit when rsync named none); null when none exists. */
export function biggestFile<T extends { readonly path: BytePath }>(rootAbs: string, entries: readonly T[]): T | null {
  let best: T | null = null;
  let size = -1n;
  for (const e of entries) {
    const st = lstatUnderSync(rootAbs, e.path, { bigint: true });
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
