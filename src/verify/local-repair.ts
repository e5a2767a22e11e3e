import type { PendingEntry } from '../aggregate/types.js';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import type { FailLogStore } from '../faillog/store.js';
import { Lane, type LaneListener } from '../lane/lane.js';
import { failRecordOf } from '../lane/report.js';
import type { FairSlots } from '../lane/slots.js';
import { probeRemote } from '../rsync/probe.js';
import type { RsyncRunner } from '../rsync/runner.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { PathFilter } from '../watch/filter.js';
import { repairThroughLane, type RepairOutcome } from './repair.js';

interface LocalRepairDeps {
  readonly config: SersyncConfig;
  readonly runner: RsyncRunner;
  readonly slots: FairSlots;
  readonly filter: PathFilter;
  readonly protect: readonly string[];
  readonly tmpDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The config's fail log, opened by the caller: no agent runs, so this process is its only writer. */
  readonly failLog: FailLogStore;
}

export interface RepairTarget {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly entries: readonly PendingEntry[];
}

/**
 * `verify --repair` with no agent running: lanes built here, exactly as the agent builds them,
 * whose failures go to the fail log, so the agent, once started, replays what this could not
 * deliver. Their successes remove nothing from the fail log: entries already there belong to
 * earlier failures of the agent, which this repair did not replay.
 */
export async function repairLocally(deps: LocalRepairDeps, targets: readonly RepairTarget[]): Promise<RepairOutcome[]> {
  const { config } = deps;
  const writes: Promise<void>[] = [];
  const listener: LaneListener = {
    failed: (lane, f) => {
      const record = failRecordOf(lane, f, deps.clock.wallNow());
      writes.push(deps.failLog.add(record));
    },
    cleared: () => undefined,
    batchDone: () => undefined,
    delivered: () => undefined,
  };
  const lanes = targets.map(
    (t) =>
      new Lane({
        root: t.root,
        remote: t.remote,
        config,
        filter: deps.filter,
        protect: deps.protect,
        runner: deps.runner,
        limiter: deps.slots.forHost(t.remote.ip),
        tmpDir: deps.tmpDir,
        clock: deps.clock,
        logger: deps.logger.child('repair'),
        listener,
        probe: async () =>
          (await deps.slots.forHost(t.remote.ip).run(() => probeRemote(deps.runner, config.rsync, t.remote)))
            .outcome === 'ok',
      }),
  );
  try {
    return await Promise.all(
      lanes.map((lane, i) => repairThroughLane(lane, targets[i]!.entries, { clock: deps.clock })),
    );
  } finally {
    for (const l of lanes) l.stop();
    // Every failure must be on disk before the process exits: it is what the agent replays.
    await Promise.all(writes);
  }
}
