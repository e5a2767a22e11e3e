import type { PendingEntry } from '../aggregate/types.js';
import type { Lane } from '../lane/lane.js';
import { blocked } from '../lane/lane-health.js';
import type { Clock } from '../shared/clock.js';
import type { RepairLaneResult } from '../status/repair-request.js';

/**
 * What became of a repair handed to a lane: `delivered` when the lane delivered everything it
 * had (the repair included); else `state` says why (`down`: the paths are in the fail log).
 */
export type RepairOutcome = RepairLaneResult;

interface RepairWait {
  readonly clock: Clock;
  /** Give up waiting (not the repair: the lane keeps it) after this long. @default 3600000 (1 h) */
  readonly timeoutMs?: number;
  /** How often a lane that is not idle is looked at again (it tells idle, not down). @default 100 */
  readonly pollMs?: number;
  /** Stop waiting (the agent stops): the lane keeps the paths, pending like any other. */
  readonly signal?: AbortSignal;
}

/**
 * Hands a repair to a lane, like any batch (so the fail log and the metrics see it), and waits
 * until the lane delivered everything or went down: a down lane has written what it holds to the
 * fail log, and the agent replays it when the remote answers again.
 */
export async function repairThroughLane(
  lane: Lane,
  entries: readonly PendingEntry[],
  wait: RepairWait,
): Promise<RepairOutcome> {
  const outcome = (delivered: boolean): RepairOutcome => {
    const s = lane.status();
    return {
      root: lane.root.path,
      remote: lane.remote.label,
      paths: entries.length,
      delivered,
      state: s.state,
      lastError: delivered ? null : s.lastError,
    };
  };
  if (entries.length === 0) return outcome(true);
  lane.enqueueRepair(entries);
  const deadline = wait.clock.now() + (wait.timeoutMs ?? 3_600_000);
  for (;;) {
    if (lane.isIdle()) return outcome(true);
    const s = lane.status();
    if (blocked(s.health) || s.state === 'stopped' || wait.signal?.aborted || wait.clock.now() >= deadline)
      return outcome(false);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([lane.whenIdle(), new Promise((r) => (t = setTimeout(r, wait.pollMs ?? 100)))]);
    clearTimeout(t);
  }
}

/** One line per repair, for the terminal and the log. */
export function formatRepair(o: RepairOutcome, via: string): string {
  const what = `repair ${o.root} -> ${o.remote}: ${o.paths} path${o.paths === 1 ? '' : 's'} ${via}`;
  if (o.delivered) return `${what}: delivered`;
  const why = o.lastError ? ` (${o.lastError})` : '';
  return `${what}: NOT delivered, the lane is ${o.state}${why}${o.state === 'down' ? '; the paths are in the fail log and the agent sends them when the remote answers' : ''}`;
}
