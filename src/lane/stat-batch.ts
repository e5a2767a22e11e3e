import type { Stats } from 'node:fs';
import { parentOf, type BytePath } from '../shared/bytepath.js';
import { lstatEachUnder } from '../shared/lstat-under.js';
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
   * and only about such files). Empty files are asked about too: a lane that sends the first
   * change at once can look at a file between its creation and its first write (the bench's
   * 200 MiB file, seen empty, was sent at 16 MiB by the time rsync read it, then sent again).
   */
  readonly growingBytes: number;
  readonly changedSince: number;
  /** Of these paths (relative), those open for writing. */
  readonly writers: (paths: readonly BytePath[]) => ReadonlySet<BytePath>;
}

type Kind = 'dir' | 'other' | 'missing';

function kindOf(st: Stats | null | undefined): Kind {
  return !st ? 'missing' : st.isDirectory() ? 'dir' : 'other';
}

/**
 * Whether the rule leaves this file to the large-file slot at once ('large'), asks writers()
 * about it ('growing'), or not at all (null).
 */
function slotOf(st: Stats | null, rule: SlotRule | undefined): 'large' | 'growing' | null {
  if (!rule || !st?.isFile()) return null;
  if (st.size >= rule.largeBytes) return 'large';
  return (st.size >= rule.growingBytes || st.size === 0) && st.ctimeMs >= rule.changedSince ? 'growing' : null;
}

/**
 * The kind of each path not yet in `kinds`, lstat'ed now (shared/lstat-under.ts: in chunks, and
 * why not the threadpool). Only the kind is kept: the look before this one kept every Stats in a
 * map to its end and went over the paths four times (two Sets, the map, a filter), and took 65-130
 * ms for 5,000 files whose lstats alone took 35-50 ms; this one took 44-80 ms in the same minutes
 * (issue 21, round 18). `onStat`: each new path's Stats, once.
 */
function lookAt(
  rootAbs: string,
  paths: Iterable<BytePath>,
  kinds: Map<BytePath, Kind>,
  onStat?: (p: BytePath, st: Stats | null) => void,
): Promise<void> {
  return lstatEachUnder(rootAbs, paths, kinds, (p, st) => {
    kinds.set(p, kindOf(st));
    onStat?.(p, st);
  });
}

/**
 * The ancestors of the missing entries, nearest first, as far as the top-most missing one (or
 * one that is now a file): one batched round of lstats per level, the same paths a climb path by
 * path would look at. The climb goes by distinct directory, not by entry: the 3,000 files of an
 * `rm` share a hundred parents (an ancestor list per entry was a tenth of its batch's look).
 */
async function lookAtAncestors(rootAbs: string, missing: readonly BytePath[], kinds: Map<BytePath, Kind>) {
  const up = (paths: Iterable<BytePath>): Set<BytePath> => {
    const parents = new Set<BytePath>();
    for (const p of paths) {
      const parent = parentOf(p);
      if (parent !== '') parents.add(parent);
    }
    return parents;
  };
  for (let level = up(missing); level.size > 0;) {
    await lookAt(rootAbs, level, kinds);
    level = up([...level].filter((d) => kinds.get(d) === 'missing'));
  }
}

/**
 * Looks at the disk once per path just before the batch ships: what exists now is what is
 * sent. A missing path is listed as its top-most missing ancestor under the root, because rsync
 * cannot delete `a/b/c` when its implied parent `a` is gone too (it exits 24 and deletes nothing).
 */
export async function statBatch(
  rootAbs: string,
  entries: readonly PendingEntry[],
  rule?: SlotRule,
): Promise<ResolvedBatch> {
  const kinds = new Map<BytePath, Kind>();
  const large = new Set<BytePath>();
  const growing: BytePath[] = [];
  const missing: BytePath[] = [];
  await lookAt(
    rootAbs,
    entries.map((e) => e.path),
    kinds,
    (p, st) => {
      if (!st) missing.push(p);
      const slot = slotOf(st, rule);
      if (slot === 'large') large.add(p);
      else if (slot === 'growing') growing.push(p);
    },
  );
  // One writers() question at most, and only about files that may still be growing.
  if (rule && growing.length > 0) for (const p of rule.writers(growing)) large.add(p);
  await lookAtAncestors(rootAbs, missing, kinds);
  return splitForRsync(entries, large, (p) => {
    const k = kinds.get(p);
    if (k === undefined) throw new Error(`statBatch: ${p} was not looked at`);
    return k;
  });
}

function splitForRsync(
  entries: readonly PendingEntry[],
  largeFiles: ReadonlySet<BytePath>,
  kind: (p: BytePath) => Kind,
): ResolvedBatch {
  const recursive = new Set<BytePath>();
  const missing = new Set<BytePath>();
  const directories: BytePath[] = [];
  const dirsOnly: BytePath[] = [];
  const large: PendingEntry[] = [];
  for (const e of entries) {
    const k = kind(e.path);
    if (largeFiles.has(e.path)) {
      large.push(e);
    } else if (e.kind === 'dir-only' && k === 'dir') {
      dirsOnly.push(e.path);
    } else if (k === 'missing') {
      // (a dir-only entry that changed type or vanished is listed like any other path)
      // The top-most missing ancestor; or an ancestor that is now a file (`rm -rf d; echo > d`):
      // rsync can only list what it can reach.
      let top = e.path;
      for (let a = parentOf(e.path); a !== ''; a = parentOf(a)) {
        const ak = kind(a);
        if (ak === 'dir') break;
        top = a;
        if (ak === 'other') break;
      }
      recursive.add(top);
      if (kind(top) === 'missing') missing.add(top);
    } else {
      recursive.add(e.path);
      if (k === 'dir') directories.push(e.path);
    }
  }
  return { recursive: [...recursive], directories, missing: [...missing], dirsOnly, large };
}
