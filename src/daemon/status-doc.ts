import type { BrakeStatus } from './deletion-brake.js';
import { describeState } from './status-text.js';
import type { LaneStatus } from '../lane/lane.js';
import type { Health } from '../status/agent-health.js';
import { verifyDocument, type VerifyDocument, type VerifyStatus } from '../verify/status.js';

/** A closed set of states, with what each means to an operator. */
export type AgentState =
  | 'starting'
  | 'initial-sync'
  | 'watching'
  | 'syncing'
  | 'retrying'
  | 'remote-down'
  | 'remote-refused'
  | 'remote-full'
  | 'root-missing'
  | 'watch-failed'
  | 'stopping';

export const STATE_TEXT: Readonly<Record<AgentState, string>> = {
  starting: 'starting: probing remotes and setting up watches',
  'initial-sync': 'full sync in progress',
  watching: 'watching; everything delivered',
  syncing: 'watching; sending changes',
  retrying: 'watching; a remote failed and is being retried',
  'remote-down': 'watching; a remote is down, its changes are in the fail log',
  'remote-refused':
    "watching; a receiving server refuses this agent (the lane's last error says why): it must be fixed there; changes are journaled and sent once it is",
  'remote-full':
    'watching; a receiving server is out of space: what fits is sent, the files that do not fit wait for room',
  'root-missing': 'a watched root is missing: waiting for it (nothing is sent or deleted meanwhile)',
  'watch-failed': 'the watcher failed; full syncs repair what it missed',
  stopping: 'stopping',
};

export interface RootSnapshot {
  readonly path: string;
  readonly watchedDirs: number;
  readonly aggregatedPaths: number;
  readonly oldestPendingSince: number | null;
  readonly lanes: readonly LaneStatus[];
  /** The mass-deletion brake (deletion-brake.ts); absent where a test builds a snapshot without it. */
  readonly brake?: BrakeStatus;
}

export interface AgentSnapshot {
  /** Monotonic ms: ages and durations are differences of these. */
  readonly now: number;
  readonly startedAt: number;
  /** Wall-clock ms, for the timestamp shown. */
  readonly startedAtWall: number;
  readonly version: string;
  readonly stopping: boolean;
  readonly started: boolean;
  readonly watcherAlive: boolean;
  readonly health: Health;
  readonly roots: readonly RootSnapshot[];
  readonly eventsSeen: number;
  readonly fullSyncs: number;
  readonly failLogEntries: number;
  readonly failLogByLane: ReadonlyMap<string, number>;
  /** The plugin beside syncing, if any. */
  readonly plugin: { readonly name: string; readonly failures: number; readonly dropped: number } | null;
  /** `<verify schedule>`: the scheduled verify's last results (absent or null when it is off). */
  readonly verify?: VerifyStatus | null;
}

/** Pure: the state that best describes the agent now (worst lane wins). */
export function agentState(s: AgentSnapshot): AgentState {
  if (s.stopping) return 'stopping';
  if (!s.started) return 'starting';
  if (!s.watcherAlive) return 'watch-failed';
  const lanes = s.roots.flatMap((r) => r.lanes);
  if (lanes.some((l) => l.health === 'root-missing')) return 'root-missing';
  if (lanes.some((l) => l.health === 'refused')) return 'remote-refused';
  if (lanes.some((l) => l.health === 'down')) return 'remote-down';
  if (lanes.some((l) => l.state === 'full')) return 'remote-full';
  if (lanes.some((l) => l.health === 'retrying')) return 'retrying';
  if (lanes.some((l) => l.state === 'full-sync' || l.fullSyncPending)) return 'initial-sync';
  if (lanes.some((l) => l.state === 'syncing' || l.pendingPaths > 0) || s.roots.some((r) => r.aggregatedPaths > 0))
    return 'syncing';
  return 'watching';
}

/** One (root, remote) lane in /status. Ages in ms, times as ISO 8601 text. */
interface RemoteStatusDocument {
  readonly remote: string;
  readonly state: LaneStatus['state'];
  readonly health: LaneStatus['health'];
  readonly pendingPaths: number;
  readonly fullSyncPending: boolean;
  readonly inFlightPaths: number;
  readonly inFlightForMs: number | null;
  readonly oldestPendingAgeMs: number | null;
  readonly failedAttempts: number;
  readonly batches: number;
  readonly fullSyncs: number;
  readonly lastFullSyncAt: string | null;
  readonly rsyncRuns: number;
  readonly lastSuccess: string | null;
  readonly lastError: string | null;
  readonly failLogEntries: number;
  readonly fullSyncProgress: {
    readonly bytesDone: number;
    readonly filesTransferred: number;
    readonly percent: number;
    readonly rate: string;
    readonly filesChecked: number | null;
    readonly filesKnown: number | null;
    readonly runningForMs: number;
  } | null;
}

/** The /status document: what the agent serves, `sersync-ts status` prints and the tests read. */
export interface StatusDocument {
  readonly version: string;
  readonly pid: number;
  readonly state: AgentState;
  readonly description: string;
  readonly healthy: boolean;
  readonly healthReasons: readonly string[];
  readonly startedAt: string | null;
  readonly uptimeSeconds: number;
  readonly eventsSeen: number;
  readonly fullSyncs: number;
  readonly failLogEntries: number;
  readonly plugin: { readonly name: string; readonly failures: number; readonly dropped: number } | null;
  readonly verify: VerifyDocument | null;
  readonly roots: readonly {
    readonly path: string;
    readonly watchedDirectories: number;
    readonly debouncingPaths: number;
    readonly oldestPendingAgeMs: number | null;
    /** The mass-deletion brake's view of the root (absent without one). */
    readonly files?: BrakeStatus['files'];
    readonly heldDeletions?: BrakeStatus['heldDeletions'];
    readonly deletionsHeldSince?: BrakeStatus['heldSince'];
    readonly remotes: readonly RemoteStatusDocument[];
  }[];
}

/** How long ago `t` was (null: never). */
export const age = (now: number, t: number | null): number | null => (t === null ? null : Math.max(0, now - t));
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
/** The /status document. */
export function statusDocument(s: AgentSnapshot): StatusDocument {
  const state = agentState(s);
  return {
    version: s.version,
    pid: process.pid,
    state,
    description: describeState(STATE_TEXT[state], state === 'watching', s.roots),
    healthy: s.health.ok,
    healthReasons: s.health.reasons,
    startedAt: iso(s.startedAtWall),
    uptimeSeconds: Math.round((s.now - s.startedAt) / 1000),
    eventsSeen: s.eventsSeen,
    fullSyncs: s.fullSyncs,
    failLogEntries: s.failLogEntries,
    plugin: s.plugin ? { name: s.plugin.name, failures: s.plugin.failures, dropped: s.plugin.dropped } : null,
    verify: s.verify ? verifyDocument(s.verify) : null,
    roots: s.roots.map((r) => ({
      path: r.path,
      watchedDirectories: r.watchedDirs,
      debouncingPaths: r.aggregatedPaths,
      oldestPendingAgeMs: age(s.now, r.oldestPendingSince),
      ...(r.brake
        ? { files: r.brake.files, heldDeletions: r.brake.heldDeletions, deletionsHeldSince: r.brake.heldSince }
        : {}),
      remotes: r.lanes.map((l) => ({
        remote: l.remote,
        state: l.state,
        health: l.health,
        pendingPaths: l.pendingPaths,
        fullSyncPending: l.fullSyncPending,
        inFlightPaths: l.inFlightPaths,
        inFlightForMs: age(s.now, l.inFlightSince),
        oldestPendingAgeMs: age(s.now, l.oldestPendingSince),
        failedAttempts: l.attempts,
        batches: l.batches,
        fullSyncs: l.fullSyncs,
        lastFullSyncAt: iso(l.lastFullSyncAt),
        rsyncRuns: l.rsyncRuns,
        lastSuccess: iso(l.lastSuccessAt),
        lastError: l.lastError,
        failLogEntries: s.failLogByLane.get(`${l.root}\0${l.remote}`) ?? 0,
        fullSyncProgress: l.progress
          ? {
              bytesDone: l.progress.bytes,
              filesTransferred: l.progress.files,
              percent: l.progress.percent,
              rate: l.progress.rate,
              filesChecked:
                l.progress.total !== null && l.progress.toCheck !== null ? l.progress.total - l.progress.toCheck : null,
              filesKnown: l.progress.total,
              runningForMs: s.now - l.progress.startedAt,
            }
          : null,
      })),
    })),
  };
}
