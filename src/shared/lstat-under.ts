import fs from 'node:fs/promises';
import { lstatSync, type BigIntStats, type Stats } from 'node:fs';
import { bytesOf, fromBytes, fsPathOf, joinPath, type BytePath } from './bytepath.js';

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

/** Paths lstat'ed per turn of the event loop by lstatAllUnder. */
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
  const todo = [...new Set(rels)].filter((r) => !into.has(r));
  for (let i = 0; i < todo.length; i += LSTAT_CHUNK) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const rel of todo.slice(i, i + LSTAT_CHUNK)) into.set(rel, lstatUnderSync(rootAbs, rel));
  }
}

/** A directory's entries, as far as a fold of its deletions needs them (lane/fold-deletions.ts). */
export interface DirNames {
  /** The entries' paths, relative to the root. */
  readonly names: readonly BytePath[];
  /** One of them is a directory. */
  readonly hasSubdir: boolean;
}

/** The entries of a directory under the root; null when it is gone or not a directory. */
export async function readDirUnder(rootAbs: string, rel: BytePath): Promise<DirNames | null> {
  try {
    const dirents = await fs.readdir(absUnder(rootAbs, rel), { withFileTypes: true, encoding: 'buffer' });
    return {
      names: dirents.map((d) => joinPath(rel, fromBytes(d.name))),
      hasSubdir: dirents.some((d) => d.isDirectory()),
    };
  } catch {
    return null;
  }
}
