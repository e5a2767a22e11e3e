import type { Remote, SersyncConfig } from '../config/types.js';
import type { SshControl } from '../rsync/ssh-command.js';
import type { JournalRecord } from '../journal/codec.js';
import type { Lane } from '../lane/lane.js';
import type { RsyncRunner } from '../rsync/runner.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { RepairLaneResult, RepairRequest } from '../status/repair-request.js';
import { LaneRepairs } from '../verify/lane-repairs.js';
import { VerifySchedule } from '../verify/schedule.js';
import type { VerifyStatus } from '../verify/status.js';
import type { PathFilter } from '../watch/filter.js';

export interface VerifyingDeps {
  readonly config: SersyncConfig;
  readonly runner: RsyncRunner;
  readonly filter: PathFilter;
  readonly protect: readonly string[];
  readonly tmpDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The agent's lane for (root, remote) (fleet.ts). */
  readonly laneFor: (root: string, remote: string) => Lane | undefined;
  /** Repairs are journaled like events (durable-state.ts). */
  readonly journal: (rec: JournalRecord) => void;
  /** Over ssh: the agent's master connection to a remote's host. */
  readonly ssh?: (remote: Remote) => SshControl;
}

/**
 * Verify inside the agent: repairs (from `<verify schedule>` and `POST /repair`) go into the
 * agent's own lanes (LaneRepairs), and the scheduled comparison runs when `<verify schedule>` is on.
 */
export class Verifying {
  private readonly repairs: LaneRepairs;
  private readonly schedule: VerifySchedule | null;

  constructor(deps: VerifyingDeps) {
    this.repairs = new LaneRepairs({
      laneFor: deps.laneFor,
      filter: deps.filter,
      clock: deps.clock,
      journal: deps.journal,
    });
    const log = deps.logger.child('verify');
    this.schedule = deps.config.verify.enabled
      ? new VerifySchedule({
          config: deps.config,
          runner: deps.runner,
          // Beside the -n slots (one rsync more at most: one pair at a time): a comparison can take
          // hours, and in a slot it could hold a host's only one while every change waits behind it.
          slots: () => ({ run: (fn) => fn() }),
          filter: deps.filter,
          protect: deps.protect,
          tmpDir: deps.tmpDir,
          clock: deps.clock,
          logger: log,
          // A long comparison in the agent logs its progress once a minute.
          progress: (l) => log.info(l),
          progressEveryMs: 60_000,
          busy: (root, remote) => this.repairs.busy(root, remote),
          ...(deps.ssh ? { ssh: deps.ssh } : {}),
          repair: (root, remote, entries, signal) => this.repairs.repair(root, remote, entries, signal),
        })
      : null;
  }

  start(): void {
    this.schedule?.start();
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
  }

  /** The scheduled verify's last results (null when it is off). */
  status(): VerifyStatus | null {
    return this.schedule?.status() ?? null;
  }

  /** `POST /repair` (sersync-ts verify --repair while this agent runs). */
  repair(req: RepairRequest): Promise<{ readonly lanes: readonly RepairLaneResult[] } | { readonly error: string }> {
    return this.repairs.serve(req);
  }
}
