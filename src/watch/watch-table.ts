import fs from 'node:fs';
import { fsPathOf, parentOf, type BytePath } from '../shared/bytepath.js';
import { MovePairing } from './move-pairing.js';

/**
 * Which directory a path is. Inode numbers come back at once (ext4 hands a fresh `mkdir` the
 * inode an `rmdir` just freed), so the birth time tells a new directory from the old one; where
 * the filesystem has none it is 0 on both sides and the inode alone decides.
 */
export interface Ident {
  readonly ino: number;
  readonly birth: number;
}

/** The part of fs.Stats identity needs (a type, so this file stays free of fs). */
export interface StatLike {
  readonly ino: number;
  readonly birthtimeMs: number;
  /** For the scan's leaves (scan.ts): a directory's link count, and its filesystem. */
  readonly nlink?: number;
  readonly dev?: number;
  isDirectory(): boolean;
}

export function identOf(st: StatLike): Ident {
  return { ino: st.ino, birth: st.birthtimeMs };
}

export function sameDir(id: Ident, st: StatLike): boolean {
  return st.isDirectory() && st.ino === id.ino && st.birthtimeMs === id.birth;
}

/** Anything that can stop watching (an fs.FSWatcher at the edge, a fake in tests). */
export interface WatchHandle {
  close(): void;
}

/**
 * One watched directory. Kept small, since a big tree has tens of thousands: its path for fs
 * comes from absOf, and `children` (its watched subdirectories) exists only once it has one,
 * so the leaves, most directories of a tree, carry none.
 */
export interface Watched<H extends WatchHandle = WatchHandle> extends Ident {
  readonly rel: BytePath;
  readonly handle: H;
  children: Set<BytePath> | null;
  /** Non-directories directly in it, as its last read counted them (the brake's base). */
  files: number;
}

/**
 * The watch table of one root: which directories are watched (by path, and by inode to
 * recognise a directory moved within the root), their tree, and what vanished lately. No fs:
 * the worker makes the handles and hands them in; closing a subtree closes them.
 */
export class WatchTable<H extends WatchHandle = WatchHandle> {
  /** rel → watched directory ('' is the root itself). */
  private readonly dirs = new Map<BytePath, Watched<H>>();
  /** inode → rel of each watched directory. */
  private readonly byIno = new Map<number, BytePath>();
  /**
   * Entries named like the directory holding them (`d/d`, `<root>/<root basename>`): libuv names
   * a directory's own events (chmod, touch) the same way, so only these are real when missing.
   */
  readonly ownNamed = new Set<BytePath>();
  /**
   * Watched directories the first scan has not read yet (leaves: scan.ts). Their file counts are
   * 0 until listUnlisted reads them, and a child named like one of them may exist unseen.
   */
  readonly unlisted = new Set<BytePath>();
  private readonly moves = new MovePairing();
  /** Files in the watched directories: one number per directory, summed (delete-safety/deletion-window.ts). */
  private fileCount = 0;
  /** The root's path no longer leads to the directory watched (see the worker's rootLost). */
  gone = false;
  private readonly rootBase: BytePath;
  /** The root's path as a byte string (see shared/bytepath.ts). */
  private readonly rootBytes: BytePath;

  constructor(readonly abs: Buffer) {
    this.rootBytes = abs.toString('latin1');
    this.rootBase = this.rootBytes.slice(this.rootBytes.lastIndexOf('/') + 1);
  }

  get size(): number {
    return this.dirs.size;
  }

  get(rel: BytePath): Watched<H> | undefined {
    return this.dirs.get(rel);
  }

  has(rel: BytePath): boolean {
    return this.dirs.has(rel);
  }

  /** The absolute path of `rel`, as fs takes it (see fsPathOf). */
  absOf(rel: BytePath): string | Buffer {
    return fsPathOf(rel === '' ? this.rootBytes : `${this.rootBytes}/${rel}`);
  }

  /**
   * What `rel` is on disk now (null: gone). The root is stat'ed, as when it was watched (it may be
   * a symlink to its directory); everything under it is lstat'ed. Synchronous (this thread only
   * watches): a few microseconds, where the threadpool's round trip and, for a path already gone,
   * a rejected promise with an Error and its stack took ~50 us an event: the watcher reported a
   * 3,000-file rm 160 ms after it ended (issue 21, round 3).
   */
  statNow(rel: BytePath): Promise<fs.Stats | null> {
    return Promise.resolve(this.statSync(rel));
  }

  /** statNow, as a plain call (an event's handling: dir-watcher.ts). */
  statSync(rel: BytePath): fs.Stats | null {
    const abs = this.absOf(rel);
    try {
      return (rel === '' ? fs.statSync : fs.lstatSync)(abs, { throwIfNoEntry: false }) ?? null;
    } catch {
      return null; // ENOTDIR, EACCES...: not there for us
    }
  }

  /** The last component of a watched directory ('' is the root: its path's last component). */
  baseOf(dirRel: BytePath): BytePath {
    return dirRel === '' ? this.rootBase : dirRel.slice(dirRel.lastIndexOf('/') + 1);
  }

  get files(): number {
    return this.fileCount;
  }

  /** A read of `rel` counted `n` non-directories in it. */
  setFiles(rel: BytePath, n: number): void {
    const w = this.dirs.get(rel);
    if (!w) return;
    this.fileCount += n - w.files;
    w.files = n;
  }

  /** A non-directory in `dirRel` was removed (until its next read says better). */
  fileGone(dirRel: BytePath): void {
    const w = this.dirs.get(dirRel);
    if (w && w.files > 0) this.setFiles(dirRel, w.files - 1);
  }

  /** Records a new watch (the caller closed what was there before). */
  add(rel: BytePath, id: Ident, handle: H): Watched<H> {
    const w: Watched<H> = { rel, ino: id.ino, birth: id.birth, handle, children: null, files: 0 };
    this.dirs.set(rel, w);
    if (id.ino !== 0) this.byIno.set(id.ino, rel);
    const parent = rel === '' ? undefined : this.dirs.get(parentOf(rel));
    if (parent) (parent.children ??= new Set()).add(rel);
    return w;
  }

  /** Closes the watch of `rel` and of every watched directory under it. */
  closeSubtree(rel: BytePath, now: number): void {
    const top = this.dirs.get(rel);
    if (top && top.ino !== 0) this.moves.vanish(top.ino, rel, now);
    const stack = [rel];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      const w = this.dirs.get(cur);
      if (!w) continue;
      this.dirs.delete(cur);
      this.unlisted.delete(cur);
      this.fileCount -= w.files;
      if (this.byIno.get(w.ino) === cur) this.byIno.delete(w.ino);
      w.handle.close();
      if (w.children) for (const c of w.children) stack.push(c);
    }
    if (rel !== '') this.dirs.get(parentOf(rel))?.children?.delete(rel);
  }

  /** Where the directory `ino` appearing at `rel` was watched a moment ago, if it was moved. */
  movedFrom(ino: number, rel: BytePath, now: number): BytePath | undefined {
    return this.moves.sourceOf(ino, rel, this.byIno.get(ino), now);
  }

  /** An own-named child at `rel` was known to exist (listed, watched, lately vanished), or may have (not read yet). */
  knewOwnNamed(rel: BytePath): boolean {
    return this.ownNamed.has(rel) || this.dirs.has(rel) || this.moves.wasAt(rel) || this.unlisted.has(parentOf(rel));
  }
}
