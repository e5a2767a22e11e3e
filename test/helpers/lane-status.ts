import type { LaneStatus } from '../../src/lane/lane.js';
import type { LaneFacts } from '../../src/lane/lane-state.js';

/** A lane's status for unit tests of what reads it: idle and healthy unless `over` says otherwise. */
export function laneStatus(over: Partial<LaneStatus> = {}): LaneStatus {
  return {
    root: '/srv/www',
    remote: '127.0.0.1::www',
    state: 'idle',
    health: 'healthy',
    pendingPaths: 0,
    inFlightPaths: 0,
    fullSyncPending: false,
    attempts: 0,
    batches: 0,
    rsyncRuns: 0,
    fullSyncs: 0,
    lastFullSyncAt: null,
    lastSuccessAt: null,
    lastError: null,
    inFlightSince: null,
    oldestPendingSince: null,
    progress: null,
    ...over,
  };
}

/** A lane's facts when nothing waits, at `now`, the last batch `sinceLastBatchMs` ago. */
export function quietFacts(now: number, sinceLastBatchMs: number): LaneFacts {
  return {
    now,
    pending: false,
    fullSync: false,
    largeWaiting: false,
    largeReady: false,
    largeLookInMs: null,
    sinceLastBatchMs,
  };
}
