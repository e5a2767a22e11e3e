import type { BytePath } from '../shared/bytepath.js';

/**
 * What the watcher saw, after it lstat'ed the path. Events are hints: they make a path dirty;
 * what is sent is whatever is on disk when the batch goes out.
 * - `created`:     a non-directory appeared (created, moved in, hard/sym link made).
 * - `changed`:     a non-directory's content or metadata changed (fs.watch cannot tell which).
 * - `dir-created`: a directory appeared (mkdir or moved in); it is now watched and was scanned,
 *                  so its whole subtree should be sent (files may predate its watch).
 * - `dir-changed`: an existing directory's own metadata changed (chmod, utimes).
 * - `removed`:     the path no longer exists (deleted or moved out); for a directory, its
 *                  subtree's watches are closed.
 */
export type ChangeKind = 'created' | 'changed' | 'dir-created' | 'dir-changed' | 'removed';

export interface ChangeEvent {
  /** Index of the root in the watcher's root list. */
  readonly root: number;
  /** Path relative to the root, as bytes (see shared/bytepath.ts); never '' for a change. */
  readonly path: BytePath;
  readonly kind: ChangeKind;
  /**
   * For a `dir-created`: the path this directory had a moment ago in the same root (a move
   * within the root, recognised by its inode). A hint for reusing remote data, nothing more.
   */
  readonly movedFrom?: BytePath;
}

/** Something went wrong that may have cost events; the agent answers with a full sync. */
export interface WatchProblem {
  /** Index of the root affected, or -1 when every root is affected. */
  readonly root: number;
  /** `ENOSPC` (watch limit), `EMFILE`, `root-gone`, `error`, ... */
  readonly code: string;
  /** Human text, with advice (e.g. the exact sysctl command for ENOSPC). */
  readonly message: string;
  /** Relative path concerned, when known. */
  readonly path?: BytePath;
}

export interface WatcherStats {
  /** Directories with a live fs.watch handle, per root. */
  readonly watchedDirs: readonly number[];
  readonly eventsSeen: number;
}

export interface WatcherHandlers {
  /** Batches of events, in the order seen, delivered on the main thread; `files`: each root's file count after them. */
  /** `settled`: the watcher had nothing more to look at (absent: true). */
  onEvents(events: readonly ChangeEvent[], files?: readonly number[], settled?: boolean): void;
  onProblem(problem: WatchProblem): void;
}

/** The agent's view of a watcher; dirwatch (fs.watch per directory, in a worker) implements it. */
export interface Watcher {
  /**
   * Begins watching and scanning, and delivers nothing yet: the caller can do other work while a
   * big tree is scanned (flow() or start() hands on what was seen meanwhile, in order). Optional
   * (a test's fake need not have it): start() begins too.
   */
  begin?(): void;
  /**
   * The caller can sync now (its remotes answered, its state is open): from here on, changes are
   * delivered as they come, while the first scan still runs, but for removals, which wait for
   * the whole file count the scan makes (the mass-deletion brake's base). Optional, as begin().
   */
  flow?(): void;
  /** Watches (then scans) every directory of every root; resolves once all are watched. */
  start(): Promise<void>;
  stats(): Promise<WatcherStats>;
  close(): Promise<void>;
}

export interface WatchRootSpec {
  /** Absolute path of the root. */
  readonly path: string;
  /** `<filter>` exclude regex sources (empty when the filter is off). */
  readonly excludes: readonly string[];
}
