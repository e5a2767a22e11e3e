import fs from 'node:fs';
import { bytesOf, type BytePath } from './bytepath.js';

/**
 * A path relative to a root (a byte path, bytepath.ts; '' is the root itself) as the Buffer that
 * fs calls take, so names that are not UTF-8 reach the kernel byte for byte.
 */
export function pathUnder(rootAbs: string, rel: BytePath): Buffer {
  const root = Buffer.from(rootAbs);
  return rel === '' ? root : Buffer.concat([root, Buffer.from('/'), bytesOf(rel)]);
}

/**
 * lstat of `rel` under the root; null when it is gone, or when a parent is no longer a directory
 * (ENOTDIR: the path is gone as well). Synchronous, for the places that need an answer now.
 */
export function lstatUnderSync(rootAbs: string, rel: BytePath): fs.Stats | null;
export function lstatUnderSync(rootAbs: string, rel: BytePath, opts: { bigint: true }): fs.BigIntStats | null;
export function lstatUnderSync(
  rootAbs: string,
  rel: BytePath,
  opts?: { bigint: true },
): fs.Stats | fs.BigIntStats | null {
  try {
    return fs.lstatSync(pathUnder(rootAbs, rel), { bigint: opts?.bigint ?? false, throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** lstat of `rel` under the root, off the main thread; null when it is gone (as lstatUnderSync). */
export function lstatUnder(rootAbs: string, rel: BytePath): Promise<fs.Stats | null> {
  return fs.promises.lstat(pathUnder(rootAbs, rel)).catch(() => null);
}
