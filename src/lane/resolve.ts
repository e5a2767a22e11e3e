import fs from 'node:fs';
import { ancestorsOf, bytesOf, type BytePath } from '../shared/bytepath.js';
import type { PendingEntry } from '../aggregate/types.js';

/** A batch split the way rsync needs it, after looking at the disk. */
export interface ResolvedBatch {
  /** Listed with -r (files, whole directories, missing paths to delete). */
  readonly recursive: readonly BytePath[];
  /** Existing directories among `recursive` (their subtrees may hold `<filter>`-excluded paths). */
  readonly directories: readonly BytePath[];
  /** Paths among `recursive` that no longer exist (rsync deletes them remotely). */
  readonly missing: readonly BytePath[];
  /** Entries that are big files, or files still being written (see SlotRule): not in `recursive`, the caller sends them apart. */
  readonly large: readonly PendingEntry[];
  /** Directories whose own attributes changed: sent with --dirs, no recursion. */
  readonly dirsOnly: readonly BytePath[];
}

/** Which regular files of a batch the main slot leaves to the large-file slot. */
export interface SlotRule {
  /** Files at least this big. */
  readonly largeBytes: number;
  /**
   * And files of at least this size whose inode changed at or after `changedSince` (wall-clock
   * ms, their ctime) when `writers` says a process still holds them open for writing: a file
   * seen while it is being written may be on its way to being a big one (asked once per batch,
   * and only about such files).
   */
  readonly growingBytes: number;
  readonly changedSince: number;
  /** Of these paths (relative), those open for writing. */
  readonly writers: (paths: readonly BytePath[]) => ReadonlySet<BytePath>;
}

/**
 * Looks at the disk once per path, just before the batch ships: what exists now is what is sent.
 * A missing path is listed as its top-most missing ancestor under the root, because rsync cannot
 * delete `a/b/c` when its implied parent `a` is gone too (it exits 24 and deletes nothing).
 */
export function resolveBatch(rootAbs: string, entries: readonly PendingEntry[], rule?: SlotRule): ResolvedBatch {
  const kindCache = new Map<BytePath, 'dir' | 'other' | 'missing'>();
  const largeFiles = new Set<BytePath>();
  const growing: BytePath[] = [];
  const kindOf = (rel: BytePath): 'dir' | 'other' | 'missing' => {
    let k = kindCache.get(rel);
    if (k === undefined) {
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(Buffer.concat([Buffer.from(rootAbs), Buffer.from('/'), bytesOf(rel)]), {
          throwIfNoEntry: false,
        });
      } catch {
        st = undefined; // ENOTDIR: a parent is no longer a directory, so this path is gone
      }
      k = st === undefined ? 'missing' : st.isDirectory() ? 'dir' : 'other';
      if (rule && st?.isFile()) {
        if (st.size >= rule.largeBytes) largeFiles.add(rel);
        else if (st.size >= rule.growingBytes && st.ctimeMs >= rule.changedSince) growing.push(rel);
      }
      kindCache.set(rel, k);
    }
    return k;
  };
  if (rule) {
    for (const e of entries) kindOf(e.path);
    if (growing.length > 0) for (const p of rule.writers(growing)) largeFiles.add(p);
  }
  const recursive = new Set<BytePath>();
  const missing = new Set<BytePath>();
  const directories: BytePath[] = [];
  const dirsOnly: BytePath[] = [];
  const large: PendingEntry[] = [];
  for (const e of entries) {
    const k = kindOf(e.path);
    if (largeFiles.has(e.path)) {
      large.push(e);
      continue;
    }
    if (e.kind === 'dir-only' && k === 'dir') {
      dirsOnly.push(e.path);
      continue;
    }
    // (a dir-only entry that changed type or vanished is listed like any other path)
    if (k === 'missing') {
      // The top-most missing ancestor; or an ancestor that is now a file (`rm -rf d; echo > d`):
      // rsync can only list what it can reach.
      let top = e.path;
      for (const a of ancestorsOf(e.path)) {
        const ak = kindOf(a);
        if (ak === 'dir') break;
        top = a;
        if (ak === 'other') break;
      }
      recursive.add(top);
      if (kindOf(top) === 'missing') missing.add(top);
    } else {
      recursive.add(e.path);
      if (k === 'dir') directories.push(e.path);
    }
  }
  return { recursive: [...recursive], directories, missing: [...missing], dirsOnly, large };
}

/** rsync's stdin for --files-from=- --from0. */
export function fileList(paths: readonly BytePath[]): Buffer {
  return Buffer.from(paths.map((p) => `${p}\0`).join(''), 'latin1');
}
