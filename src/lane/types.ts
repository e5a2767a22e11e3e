import type { Remote, WatchRoot } from '../config/types.js';
import type { PendingEntry } from '../aggregate/types.js';
import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { TransferProgress } from '../rsync/progress.js';
import type { LaneHealthPolicy, LaneHealthState, ProbeAnswer } from './lane-health.js';
import type { LaneStateName } from './lane-state-name.js';
import type { TransferDeps } from './transfer.js';
import type { WriterCheck } from './open-writers.js';

/** A lane as its listener sees it (lane.ts). */
export interface LaneRef {
  readonly root: WatchRoot;
  readonly remote: Remote;
}

/** What a lane could not deliver, for the fail log. */
export interface LaneFailure {
  readonly full: boolean;
  readonly paths: readonly BytePath[];
  readonly exitCode: number;
  readonly reason: string;
  /** The rsync argv (after "rsync") that re-sends these paths, as the agent would. */
  readonly argv: readonly string[];
}

/** One finished rsync batch or full sync, for logs and metrics. */
export interface BatchReport {
  readonly full: boolean;
  readonly paths: number;
  readonly exitCode: number;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly bytesSent: number | null;
  readonly rsyncRuns: number;
  /** With `<versions>`: files moved into the versions bucket. */
  readonly versioned?: number;
}

export interface LaneStatus {
  readonly root: string;
  readonly remote: string;
  readonly state: LaneStateName;
  readonly health: LaneHealthState;
  readonly pendingPaths: number;
  readonly inFlightPaths: number;
  readonly fullSyncPending: boolean;
  readonly attempts: number;
  readonly batches: number;
  readonly rsyncRuns: number;
  /** Full syncs that completed successfully on this lane. */
  readonly fullSyncs: number;
  /** When the last successful full sync finished, wall-clock ms (null: none yet). */
  readonly lastFullSyncAt: number | null;
  /** When the last batch or full sync succeeded, wall-clock ms (null: none yet). */
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  /** When the rsync now running started, monotonic ms (null when none is). */
  readonly inFlightSince: number | null;
  /** Since when something has been waiting for this remote, monotonic ms (null when all is delivered). */
  readonly oldestPendingSince: number | null;
  /** Progress of a running full sync (`startedAt`: monotonic ms). */
  readonly progress: (TransferProgress & { readonly startedAt: number }) | null;
}

/** How a lane reports to the agent (which owns the fail log and the metrics). */
export interface LaneListener {
  /** A batch or full sync finished (whatever its result). */
  batchDone(lane: LaneRef, report: BatchReport): void;
  /** These entries reached the remote (for plugins). */
  delivered(lane: LaneRef, entries: readonly PendingEntry[]): void;
  /** The lane is down: record what it has pending (called again as more piles up). */
  failed(lane: LaneRef, failure: LaneFailure): void;
  /** Everything the lane had has reached the remote: its fail-log entries can go. */
  cleared(lane: LaneRef): void;
}

export interface LaneDeps extends TransferDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly listener: LaneListener;
  /** Probes the remote module (a cheap listing): true or 'ok' when it answers, 'refused' when the receiver says no. */
  readonly probe: () => Promise<boolean | ProbeAnswer>;
  /**
   * The same probe outside the `-n` slots: asks whether a remote still answers while one of this
   * lane's rsyncs seems stuck on it (and may hold the remote's only slot). Defaults to `probe`.
   */
  readonly liveness?: () => Promise<boolean>;
  readonly health?: LaneHealthPolicy;
  readonly random?: () => number;
  /** Which files a process holds open for writing (the large-file slot); defaults to the /proc scan. */
  readonly writers?: WriterCheck;
}
