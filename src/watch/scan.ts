/**
 * The tree scan: watch, then read, every directory of a tree, so files written before a
 * directory's watch existed are still found. Used for the first scan of each root (nothing is
 * reported: the remote gets those files from -r or is assumed in sync) and for every directory
 * that appears later (everything in it is reported as new).
 *
 * It reads synchronously, in slices: this runs in the watcher's worker, where blocking costs no
 * one else, and a synchronous readdir or lstat costs a fraction of a threadpool round trip (a
 * million-file tree: 1.8-2.5 s of CPU instead of 9-10 s, measured). Between slices the event loop
 * runs, so the kernel's inotify queue is still read and the events of the directories already
 * watched are handled (and, during the first scan, kept: see outbox.ts) while a big tree is
 * scanned. A cold cache (a start at boot) makes one read take milliseconds to hundreds of them
 * (measured: up to 0.5 s): after a slow read, the next ones go through the threadpool, so the
 * loop keeps running while the disk works.
 *
 * The first scan does not read a leaf: a directory whose link count says it has no
 * subdirectories (2: its name and its `.`; each subdirectory's `..` adds one), asked again once its
 * watch is in place, so a subdirectory made before that is counted and one made after is an event.
 * Its files need no watch, and the first scan reports none of them: only their count (the brake's
 * base) and an own-named child are read from it, by listUnlisted, once every directory is watched.
 * 5,000 of the 5,051 directories of the bench's 100k-file tree are leaves; their reads were a
 * sixth of the scan (a scan-probe of it, 6 runs each: 369-465 ms against 429-507; issue 21).
 */
import fs from 'node:fs';
import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { PathFilter } from './filter.js';
import { identOf, sameDir, type Ident, type StatLike, type WatchTable } from './watch-table.js';
import { ColdCache, Slices } from './scan-pacing.js';

export { ColdCache, COLD_READS, COLD_READS_MAX, SLICE_MS, SLOW_READ_MS } from './scan-pacing.js';

/** What a scan works on: one root's table and filter, and the worker's watch and report. */
export interface ScanHost {
  readonly table: WatchTable;
  readonly filter: PathFilter;
  /** Only for pacing (slices, slow reads). */
  readonly clock: Pick<Clock, 'now'>;
  /** The reads (fs's by default; a test's fake tree). */
  readonly io?: ScanFs;
  /** Starts watching one directory (not its children); false when it cannot. */
  watch(rel: BytePath, id: Ident): boolean;
  /** Reports an entry the scan found (only when `report` is set). */
  emit(rel: BytePath, kind: 'created' | 'dir-created'): void;
}

/** A directory entry as the scan needs it. */
interface Entry {
  readonly name: BytePath;
  isDirectory(): boolean;
}

/**
 * Watch, then read, the tree at `rel` (`id`: which directory it must be). `report`: the tree
 * appeared after startup, so every entry in it is new to the remote (emitted as created /
 * dir-created). Excluded entries are neither reported nor descended into. A directory's
 * non-directories cost nothing unless reported: only directories need a path and an lstat.
 */
export async function scanTree(host: ScanHost, rel: BytePath, id: Ident, report: boolean): Promise<void> {
  const { table, filter, clock } = host;
  const io = host.io ?? realFs;
  // Leaves are left unread only by a first scan, on a filesystem whose link counts say so.
  const leafDev = report ? null : (io.linkCounts?.(table.absOf(rel)) ?? null);
  const stack: Array<{ readonly rel: BytePath; readonly id: Ident; readonly leaf: boolean }> = [
    { rel, id, leaf: false },
  ];
  const slices = new Slices(clock);
  const cold = new ColdCache();
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (slices.used()) await slices.next();
    const dirRel = item.rel;
    if (!host.watch(dirRel, item.id)) continue;
    if (item.leaf && isLeaf(io.lstat(table.absOf(dirRel)), item.id, leafDev)) {
      table.unlisted.add(dirRel);
      continue;
    }
    const entries = await readDir(table.absOf(dirRel), io, cold, clock);
    if (!entries) continue; // vanished meanwhile: its parent's watcher reports that
    const prefix = noteListing(table, filter, dirRel, entries);
    for (const e of entries) {
      const name = e.name;
      const listedDir = e.isDirectory();
      if (!listedDir && !report) continue;
      const child = prefix + name;
      let isDir = false;
      let st: StatLike | undefined;
      if (listedDir) {
        // Its identity; and what it is now (the name may be something else already).
        if (cold.useThreadpool()) st = await io.async.lstat(table.absOf(child));
        else {
          const t0 = clock.now();
          st = io.lstat(table.absOf(child));
          cold.took(clock.now() - t0);
        }
        if (!st) continue;
        isDir = st.isDirectory();
      }
      if (filter.active && filter.excluded(child, isDir)) continue;
      if (isDir) {
        if (report) host.emit(child, 'dir-created');
        stack.push({ rel: child, id: identOf(st!), leaf: isLeaf(st, null, leafDev) });
      } else if (report) host.emit(child, 'created');
    }
  }
}

/**
 * A directory with no subdirectory, on the filesystem of the scan's root (`dev`: null when its
 * link counts are not trusted); `id`: and still the directory the scan found (asked after its watch).
 */
function isLeaf(st: StatLike | undefined, id: Ident | null, dev: number | null): boolean {
  return dev !== null && !!st && st.nlink === 2 && st.dev === dev && (id === null || sameDir(id, st));
}

/** What a directory's listing says of it: its file count and an own-named child. Returns the children's prefix. */
function noteListing(table: WatchTable, filter: PathFilter, dirRel: BytePath, entries: readonly Entry[]): BytePath {
  const base = table.baseOf(dirRel);
  const prefix = dirRel === '' ? '' : `${dirRel}/`;
  table.setFiles(dirRel, countFiles(entries, prefix, filter));
  for (const e of entries) if (e.name === base) table.ownNamed.add(prefix + base);
  return prefix;
}

/**
 * Reads the leaves scanTree left unread (table.unlisted), in slices, for their file counts. A
 * subdirectory found in one appeared after its watch: that watch's event reports it.
 */
export async function listUnlisted(host: ScanHost): Promise<void> {
  const { table, filter, clock } = host;
  const io = host.io ?? realFs;
  const slices = new Slices(clock);
  const cold = new ColdCache();
  for (const rel of table.unlisted) {
    if (slices.used()) await slices.next();
    table.unlisted.delete(rel);
    const entries = table.has(rel) ? await readDir(table.absOf(rel), io, cold, clock) : null;
    if (entries && table.has(rel)) noteListing(table, filter, rel, entries);
  }
}

/** A directory's entries, read synchronously or, while the cache looks cold, through the threadpool. */
async function readDir(
  abs: string | Buffer,
  io: ScanFs,
  cold: ColdCache,
  clock: Pick<Clock, 'now'>,
): Promise<Entry[] | null> {
  if (cold.useThreadpool()) return listDirAsync(abs, io);
  const t0 = clock.now();
  const entries = listDir(abs, io);
  cold.took(clock.now() - t0);
  return entries;
}

/** The non-directories among a directory's entries that `<filter>` keeps (the root's file count). */
export function countFiles(entries: readonly Entry[], prefix: BytePath, filter: PathFilter): number {
  let n = 0;
  for (const e of entries) if (!e.isDirectory() && !(filter.active && filter.excluded(prefix + e.name, false))) n++;
  return n;
}

function lstatOf(path: string | Buffer): fs.Stats | undefined {
  try {
    return fs.lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // not readable (EACCES...): as good as gone for a watch
  }
}

/** The reads a scan makes (fs's, or a test's). */
export interface ScanReads<R extends 'sync' | 'async'> {
  /** Entries with their types, names as byte strings; throws when it cannot. */
  readonly readdirTyped: (path: string | Buffer) => Result<R, Entry[]>;
  /** Names only, as byte strings; throws when it cannot. */
  readonly readdirNames: (path: string | Buffer) => Result<R, BytePath[]>;
  /** undefined when gone or unreadable. */
  readonly lstat: (path: string | Buffer) => Result<R, StatLike | undefined>;
}

type Result<R extends 'sync' | 'async', T> = R extends 'sync' ? T : Promise<T>;

/** Synchronous reads, and the same through the threadpool (for a cold cache). */
export interface ScanFs extends ScanReads<'sync'> {
  readonly async: ScanReads<'async'>;
  /** The device of the directory at `path` when its filesystem's link counts tell leaves; else null. */
  readonly linkCounts?: (path: string | Buffer) => number | null;
}

/**
 * Filesystems where a directory's link count is 2 plus its subdirectories: ext2/3/4 (which says
 * 1 past 65,000 subdirectories), xfs, tmpfs. Not btrfs (always 1), nor network, FUSE or overlay
 * filesystems, where it need not be kept: their leaves are read.
 */
const LINK_COUNTING_FS: ReadonlySet<number> = new Set([0xef53, 0x58465342, 0x01021994]);

function linkCountsOf(path: string | Buffer): number | null {
  try {
    return LINK_COUNTING_FS.has(fs.statfsSync(path).type) ? fs.statSync(path).dev : null;
  } catch {
    return null;
  }
}

const realFs: ScanFs = {
  readdirTyped: (p) => fs.readdirSync(p, { withFileTypes: true, encoding: 'latin1' }),
  readdirNames: (p) => fs.readdirSync(p, { encoding: 'latin1' }),
  lstat: lstatOf,
  linkCounts: linkCountsOf,
  async: {
    readdirTyped: (p) => fs.promises.readdir(p, { withFileTypes: true, encoding: 'latin1' }),
    readdirNames: (p) => fs.promises.readdir(p, { encoding: 'latin1' }),
    lstat: (p) => fs.promises.lstat(p).catch(() => undefined),
  },
};

/**
 * The entries of a directory, names as byte strings (latin1: one char per byte, lossless);
 * null when it cannot be read (gone, or not a directory any more). Where the filesystem gives no
 * entry types (no d_type), node lstats every entry itself, by a path it builds from the decoded
 * name (wrong for non-ASCII bytes), and one entry gone meanwhile fails the whole listing: then
 * the names are listed alone and looked at here.
 */
export function listDir(path: string | Buffer, io: ScanFs = realFs): Entry[] | null {
  try {
    return io.readdirTyped(path);
  } catch {
    let names: BytePath[];
    try {
      names = io.readdirNames(path);
    } catch {
      return null;
    }
    return entriesOf(names, (name) => io.lstat(childOf(path, name)));
  }
}

/** listDir through the threadpool. */
export async function listDirAsync(path: string | Buffer, io: ScanFs = realFs): Promise<Entry[] | null> {
  try {
    return await io.async.readdirTyped(path);
  } catch {
    const names = await io.async.readdirNames(path).catch(() => null);
    if (!names) return null;
    const stats = await Promise.all(names.map((name) => io.async.lstat(childOf(path, name))));
    return entriesOf(names, (_, i) => stats[i]);
  }
}

function childOf(dir: string | Buffer, name: BytePath): Buffer {
  return Buffer.concat([typeof dir === 'string' ? Buffer.from(dir) : dir, SLASH, Buffer.from(name, 'latin1')]);
}

/** The names that still exist, with what their lstat says. */
function entriesOf(names: readonly BytePath[], statOf: (name: BytePath, i: number) => StatLike | undefined): Entry[] {
  const out: Entry[] = [];
  names.forEach((name, i) => {
    const st = statOf(name, i);
    if (st) out.push({ name, isDirectory: () => st.isDirectory() });
  });
  return out;
}

const SLASH = Buffer.from('/');
