import fs from 'node:fs';
import { fromBytes, joinPath, type BytePath } from '../shared/bytepath.js';
import { absUnder } from '../shared/lstat-under.js';
import type { PluginEvent } from './types.js';

/** Most entries reported for one new directory (its files are told one by one up to this). */
const MAX_EXPANDED = 10_000;

/**
 * Paths → plugin events, looking at the disk now. A directory that appeared whole (`tree`) is
 * expanded into its entries (bounded), so a command filtered on `*.php` sees the files of a new
 * directory too, as sersync's per-event plugins did. The path '' (the root itself) is never told.
 */
export function toPluginEvents(
  root: string,
  paths: readonly { path: BytePath; tree: boolean }[],
  now: number,
): PluginEvent[] {
  const rootBytes = Buffer.from(root);
  const absOf = (rel: BytePath): Buffer => (rel === '' ? rootBytes : absUnder(root, rel));
  const out: PluginEvent[] = [];
  const emit = (rel: BytePath, isDir: boolean, deleted: boolean): void => {
    out.push({ root, rel, abs: absOf(rel), isDir, deleted, time: now });
  };
  for (const { path, tree } of paths) {
    const st = fs.lstatSync(absOf(path), { throwIfNoEntry: false });
    // '' is the root itself: only its entries are told (a new tree), never the root.
    if (path !== '') emit(path, st?.isDirectory() ?? false, st === undefined);
    if (!tree || !st?.isDirectory()) continue;
    const stack = [path];
    let budget = MAX_EXPANDED;
    while (stack.length > 0 && budget > 0) {
      const dir = stack.pop()!;
      let entries: fs.Dirent<Buffer>[] = [];
      try {
        entries = fs.readdirSync(absOf(dir), { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (budget-- <= 0) break;
        const rel = joinPath(dir, fromBytes(e.name));
        emit(rel, e.isDirectory(), false);
        if (e.isDirectory()) stack.push(rel);
      }
    }
  }
  return out;
}
