import type { PendingEntry } from '../aggregate/types.js';
import type { JournalRecord } from '../journal/codec.js';
import type { Lane } from '../lane/lane.js';
import type { Clock } from '../shared/clock.js';
import type { RepairLaneResult, RepairRequest } from '../status/repair-request.js';
import type { PathFilter } from '../watch/filter.js';
import { repairThroughLane } from './repair.js';

interface LaneRepairsDeps {
  /** The agent's lane for (root, remote). */
  readonly laneFor: (root: string, remote: string) => Lane | undefined;
  /** `<filter>`: checked again here, as at the agent's intake: an excluded path never reaches a lane. */
  readonly filter: PathFilter;
  readonly clock: Clock;
  /** Journals what is handed to a lane, as the agent journals events: a crash cannot lose a repair. */
  readonly journal: (rec: JournalRecord) => void;
}

/**
 * Repairs in the running agent, from its scheduled verify or from `POST /repair` (`sersync-ts
 * verify --repair` while the agent runs): the paths go into the agent's own lanes, so the agent
 * stays the one writer of its fail log, and never two rsyncs run for one path on one remote.
 */
export class LaneRepairs {
  constructor(private readonly deps: LaneRepairsDeps) {}

  /** A full sync runs or waits on this lane (a scheduled verify skips it). */
  busy(root: string, remote: string): boolean {
    const s = this.deps.laneFor(root, remote)?.status();
    return s !== undefined && (s.state === 'full-sync' || s.fullSyncPending);
  }

  async repair(
    root: string,
    remote: string,
    entries: readonly PendingEntry[],
    signal?: AbortSignal,
  ): Promise<RepairLaneResult> {
    const lane = this.deps.laneFor(root, remote);
    if (!lane)
      return { root, remote, paths: 0, delivered: false, state: 'unknown', lastError: `no lane ${root} -> ${remote}` };
    // A repair entry may be a file or a directory: excluded as either, it stays untouched.
    const f = this.deps.filter;
    const kept = f.active ? entries.filter((e) => !f.excluded(e.path, true) && !f.excluded(e.path, false)) : entries;
    for (const e of kept) this.deps.journal({ type: 'path', root, path: e.path, kind: e.kind });
    return repairThroughLane(lane, kept, { clock: this.deps.clock, ...(signal ? { signal } : {}) });
  }

  /** `POST /repair`: every lane of the request must be one of this agent's. */
  async serve(
    req: RepairRequest,
  ): Promise<{ readonly lanes: readonly RepairLaneResult[] } | { readonly error: string }> {
    const unknown = req.lanes.find((l) => !this.deps.laneFor(l.root, l.remote));
    if (unknown)
      return {
        error: `this agent has no lane ${unknown.root} -> ${unknown.remote} (is it running with the same config?)`,
      };
    return { lanes: await Promise.all(req.lanes.map((l) => this.repair(l.root, l.remote, l.entries))) };
  }
}
