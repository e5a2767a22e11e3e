/**
 * The tree scan: watch, then read, every directory of a tree, so files written before a
 * directory's watch existed are still found. Used for the first scan of each root (nothing is
 * reported: the remote gets those files from -r or is assumed in sync) and for every directory
 * that appears later (everything in it is reported as new).
 */
import fs from 'node:fs';
import { fromBytes, joinPath, type BytePath } from '../shared/bytepath.js';
import type { PathFilter } from './filter.js';
import { identOf, NO_IDENT, type Ident, type WatchTable } from './watch-table.js';

/** What a scan works on: one root's table and filter, and the worker's watch and report. */
export interface ScanHost {
  readonly table: WatchTable;
  readonly filter: PathFilter;
  /** Starts watching one directory (not its children); false when it cannot. */
  watch(rel: BytePath, id: Ident): boolean;
  /** Reports an entry the scan found (only when `report` is set). */
  emit(rel: BytePath, kind: 'created' | 'dir-created'): void;
}

/** Directories read at once: enough to hide readdir latency, few enough not to starve events. */
const SCAN_CONCURRENCY = 8;

/**
 * Watch, then read, the tree at `rel` (`id`: which directory it must be). `report`: the tree
 * appeared after startup, so every entry in it is new to the remote (emitted as created /
 * dir-created). Excluded entries are neither reported nor descended into.
 */
export async function scanTree(host: ScanHost, rel: BytePath, id: Ident, report: boolean): Promise<void> {
  const { table, filter } = host;
  const queue: Array<[BytePath, Ident]> = [[rel, id]];
  const worker = async (): Promise<void> => {
    for (let item = queue.pop(); item; item = queue.pop()) {
      const [dirRel, dirId] = item;
      if (!host.watch(dirRel, dirId)) continue;
      let entries: fs.Dirent<Buffer>[];
      try {
        entries = await fs.promises.readdir(table.absOf(dirRel), { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue; // vanished meanwhile: its parent's watcher reports that
      }
      for (const e of entries) {
        const child = joinPath(dirRel, fromBytes(e.name));
        if (fromBytes(e.name) === table.baseOf(dirRel)) table.ownNamed.add(child);
        let isDir = e.isDirectory();
        let childId: Ident = NO_IDENT;
        if (isDir || !(e.isFile() || e.isSymbolicLink() || e.isFIFO() || e.isSocket() || e.isBlockDevice() || e.isCharacterDevice())) {
          // A directory needs its identity; an unknown type (some filesystems) needs a look.
          const st = await fs.promises.lstat(table.absOf(child)).catch(() => null);
          if (!st) continue;
          isDir = st.isDirectory();
          childId = identOf(st);
        }
        if (filter.active && filter.excluded(child, isDir)) continue;
        if (isDir) {
          if (report) host.emit(child, 'dir-created');
          queue.push([child, childId]);
        } else if (report) host.emit(child, 'created');
      }
    }
  };
  // A worker stops when the queue is momentarily empty while another may still push: repeat.
  while (queue.length > 0) await Promise.all(Array.from({ length: SCAN_CONCURRENCY }, worker));
}
