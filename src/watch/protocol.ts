import type { BytePath } from '../shared/bytepath.js';
import type { ChangeKind, WatchProblem, WatchRootSpec } from './types.js';

/** One event on the wire: [root index, relative path, kind, moved from?] (compact: bursts are large). */
export type WireEvent = [number, BytePath, ChangeKind] | [number, BytePath, ChangeKind, BytePath];

export type FromWorker =
  /** Every directory is watched. `files`: absent while the first scan's counts are still read (outbox.ts). */
  | { readonly type: 'ready'; readonly watchedDirs: number[]; readonly files?: number[] }
  /** `files`: each root's file count after these events (the mass-deletion brake's base), once whole. */
  /** `settled`: the worker had no event left to look at when it sent them (removal-gate.ts). */
  | { readonly type: 'events'; readonly events: WireEvent[]; readonly files?: number[]; readonly settled: boolean }
  | { readonly type: 'problem'; readonly problem: WatchProblem }
  | { readonly type: 'stats'; readonly id: number; readonly watchedDirs: number[]; readonly eventsSeen: number }
  | { readonly type: 'closed' };

/**
 * `roots` comes first, once (the thread may start before the config is read: watcher-thread.ts).
 * Not `final`: the scan starts on these, and `all-roots` (these first, then the rest) follows.
 */
export type ToWorker =
  | { readonly type: 'roots'; readonly roots: readonly WatchRootSpec[]; readonly final: boolean }
  | { readonly type: 'all-roots'; readonly roots: readonly WatchRootSpec[] }
  /** The agent can sync: send changes as they come, the first scan's too (outbox.ts flow). */
  | { readonly type: 'flow' }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'close' };
