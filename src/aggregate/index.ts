export { Aggregator } from './aggregator.js';
export { PendingSet } from './pending-set.js';
export { MERGE, covers } from './merge.js';
export type { AggregateLimits, DebounceTiming, PendingEntry, PendingKind, SyncBatch } from './types.js';
