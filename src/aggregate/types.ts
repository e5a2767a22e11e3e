import type { BytePath } from '../shared/bytepath.js';

/**
 * How a dirty path is listed in the next rsync call.
 * - 'path':     the path itself (rsync -r: a file is sent, a directory recursively, a missing path deleted);
 * - 'tree':     a directory that appeared or was rolled up: listed recursively (a whole subtree);
 * - 'dir-only': a directory whose own attributes changed: sent without recursion (--dirs).
 */
export type PendingKind = 'path' | 'tree' | 'dir-only';

export interface PendingEntry {
  readonly path: BytePath;
  readonly kind: PendingKind;
}

/** What one lane sends next: some paths, or (fullSync) the whole root. */
export interface SyncBatch {
  /** Sync the whole root; `entries` is then empty (a full sync covers them). */
  readonly fullSync: boolean;
  readonly entries: readonly PendingEntry[];
}

export interface AggregateLimits {
  /** More pending entries than this directly in one directory roll up to the directory. @default 1000 */
  readonly maxPathsPerDir: number;
  /** More pending entries than this in a root roll up to a full sync. @default 100000 */
  readonly maxPendingPaths: number;
}

export interface DebounceTiming {
  /** A path is due once quiet this long. @default 20 (ms) */
  readonly delayMs: number;
  /** ...and at the latest this long after it first became dirty. @default 1000 (ms) */
  readonly maxDelayMs: number;
  /**
   * The first change after a quiet period is due at once (leading edge; the agent's intake sets
   * it). Off: every change waits its quiet time. @default false
   */
  readonly leadingEdge?: boolean;
}
