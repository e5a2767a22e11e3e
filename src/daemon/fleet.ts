import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { Remote, SersyncConfig } from '../config/types.js';
import { Lane, type LaneListener, type LaneStatus } from '../lane/lane.js';
import type { MoveHints } from '../lane/move-hints.js';
import { FairSlots } from '../lane/slots.js';
import { SharedLook } from '../lane/shared-look.js';
import type { DiskFacts } from '../lane/transfer.js';
import type { ProbeAnswer } from '../lane/lane-health.js';
import { probeConfigLine, probeRemote, type EarlyProbes, type ProbeResult } from '../rsync/probe.js';
import type { SshControl } from '../rsync/ssh-command.js';
import type { RsyncRunner } from '../rsync/runner.js';
import type { Clock } from '../shared/clock.js';
import { EXIT, ExitError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { PathFilter } from '../watch/filter.js';
import { nextTurn } from '../shared/one-shot.js';

interface FleetDeps {
  readonly config: SersyncConfig;
  readonly runner: RsyncRunner;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `-n`: the most rsync processes at once, over all lanes. */
  readonly maxRsync: number;
  readonly filter: PathFilter;
  /** Globs --delete must never remove remotely (delete-safety/protect-rules.ts). */
  readonly protect: readonly string[];
  /** Per root (shared by its lanes). */
  readonly moves: readonly MoveHints[];
  readonly tmpDir: string;
  readonly listener: LaneListener;
  /** Over ssh: the master connection to a remote's host (rsync/ssh-masters.ts), for every rsync to it. */
  readonly ssh?: (remote: Remote) => SshControl;
  /** Root `i`'s deletions are held by the mass-deletion brake (deletion-brake.ts). */
  readonly deletesHeld?: (root: number) => boolean;
}

/** A probe's answer as a lane's health reads it: any `config` answer at run time is a refusal (a person must act). */
function probeAnswer(r: ProbeResult): ProbeAnswer {
  return r.outcome === 'ok' ? 'ok' : r.outcome === 'config' ? 'refused' : 'unreachable';
}

/**
 * The lane fleet: one lane per (root, remote), the fair `-n` slots every rsync they start waits
 * for (probes included), the startup probes, and the operations on all lanes at once (pause,
 * resume, stop, settle). Each lane goes down and comes back up on its own (lane.ts).
 */
export class LaneFleet {
  /** Per root, its lanes in config order (the first remote is the one plugins follow). */
  readonly byRoot: readonly (readonly Lane[])[];
  private readonly slots: FairSlots;
  /** Per root: the look its lanes share for a batch they all send at once. */
  private readonly looks: readonly SharedLook<DiskFacts>[];

  constructor(private readonly deps: FleetDeps) {
    const { config } = deps;
    this.slots = new FairSlots(deps.maxRsync, new Set(config.roots.flatMap((r) => r.remotes.map((x) => x.ip))).size);
    this.looks = config.roots.map(() => new SharedLook<DiskFacts>());
    this.byRoot = config.roots.map((root, i) =>
      root.remotes.map(
        (remote) =>
          new Lane({
            root,
            remote,
            config,
            filter: deps.filter,
            protect: deps.protect,
            runner: deps.runner,
            limiter: this.slots.forHost(remote.ip),
            clock: deps.clock,
            logger: deps.logger.child('lane'),
            tmpDir: deps.tmpDir,
            listener: deps.listener,
            moves: deps.moves[i]!,
            sharedLook: this.looks[i]!,
            ...(deps.ssh ? { ssh: deps.ssh(remote) } : {}),
            ...(deps.deletesHeld ? { deletesHeld: () => deps.deletesHeld!(i) } : {}),
            probe: async () => probeAnswer(await this.probeOnce(remote)),
            // Alive is any answer from the daemon, even a refusal ("max connections reached").
            liveness: async () => {
              const r = await probeRemote(deps.runner, config.rsync, remote, deps.ssh?.(remote), config.file);
              return r.outcome !== 'unreachable' || r.answer.startsWith('@ERROR');
            },
          }),
      ),
    );
  }

  /** How many rsync processes may run at once: each remote host's share of `-n`, added up (lane/slots.ts). */
  get rsyncCap(): Pick<FairSlots, 'total' | 'share' | 'hosts'> {
    return this.slots;
  }

  get lanes(): Lane[] {
    return this.byRoot.flat();
  }

  /** `cut`: an aggregator's cut, as it gave it (every lane may keep it as it is: PendingSet.adopt). */
  enqueue(root: number, entries: readonly PendingEntry[], cut = false): void {
    // New changes: a look already in flight must not be shared with a batch that holds them.
    this.looks[root]?.changed();
    for (const l of this.byRoot[root] ?? []) l.enqueue(entries, cut);
  }

  fullSync(root: number, reason: string): void {
    for (const l of this.byRoot[root] ?? []) l.requestFullSync(reason);
  }

  /** The lane of a root path and a remote label (fail-log records name them so). */
  laneFor(root: string, remote: string): Lane | undefined {
    return this.lanes.find((l) => l.root.path === root && l.remote.label === remote);
  }

  /** `root\0remote` for every lane (to find what a reload added). */
  keys(): Set<string> {
    return new Set(this.lanes.map((l) => `${l.root.path}\0${l.remote.label}`));
  }

  statuses(): LaneStatus[][] {
    return this.byRoot.map((lanes) => lanes.map((l) => l.status()));
  }

  /** What root `i`'s lanes have not delivered, one batch per lane. */
  undelivered(i: number): SyncBatch[] {
    return (this.byRoot[i] ?? []).map((l) => l.undelivered());
  }

  get pendingPaths(): number {
    return this.lanes.reduce((n, l) => n + l.pendingCount, 0);
  }

  get pendingFullSyncs(): number {
    return this.lanes.filter((l) => l.fullSyncPending).length;
  }

  /**
   * Probes every remote once. This host's own setup being wrong (password file, rsync missing,
   * ssh) is a config error (exit 78); a receiver that refuses (auth, hosts, module, chroot) is a
   * remote problem: its line is logged and its lanes start `refused`, watching and journaling,
   * probing with backoff until it is fixed.
   */
  async probeAll(early?: EarlyProbes): Promise<void> {
    const log = this.deps.logger.child('probe');
    const seen = new Map<string, Promise<void>>();
    const errors: string[] = [];
    for (const root of this.deps.config.roots) {
      for (const remote of root.remotes) {
        if (seen.has(remote.label)) continue;
        seen.set(
          remote.label,
          (early?.get(remote.label) ?? this.probeOnce(remote, early)).then((r) => {
            if (r.outcome === 'ok')
              log.info(
                `remote ${remote.label}: ${this.deps.config.rsync.ssh ? 'remote directory answers' : 'module answers'}`,
              );
            else if (r.outcome === 'config' && r.refusal?.kind === 'refused')
              this.lanes
                .filter((l) => l.remote.label === remote.label)
                .forEach((l) => l.block('refused', r.refusal!.line));
            else if (r.outcome === 'config')
              errors.push(probeConfigLine(this.deps.config.file, this.deps.config.rsync, remote, r));
            else
              log.warn(
                `remote ${remote.label} unreachable at startup (${r.answer || `rsync exit ${r.exitCode}`}); running anyway and retrying`,
              );
          }),
        );
      }
    }
    await Promise.all(seen.values());
    if (errors.length > 0) throw new ExitError(errors, EXIT.CONFIG);
  }

  /** Start no new rsync; resolves once the running ones finished (a reload). */
  pause(): Promise<unknown> {
    return Promise.all(this.lanes.map((l) => l.pause()));
  }

  resume(): void {
    for (const l of this.lanes) l.resume();
  }

  stop(): void {
    for (const l of this.lanes) l.stop();
  }

  /** Resolves when no lane has anything pending or in flight. */
  whenIdle(): Promise<unknown> {
    return Promise.all(this.lanes.map((l) => l.whenIdle()));
  }

  get idle(): boolean {
    return this.lanes.every((l) => l.isIdle());
  }

  /** Resolves when every lane has nothing to do right now: idle, or waiting (backoff, down, refused, stopped). */
  async whenSettled(): Promise<void> {
    for (;;) {
      const lanes = this.lanes;
      await Promise.all(lanes.map((l) => l.whenSettled()));
      // Each lane's machine says (lane-machine.ts settled); the list is read again in case it changed.
      if (lanes.every((l) => l.settled)) return;
      await nextTurn(); // a lane that resolved at once must not spin the loop
    }
  }

  /** The watcher saw root `i` go: its lanes wait for it (and send or delete nothing meanwhile). */
  rootGone(i: number): void {
    for (const l of this.byRoot[i] ?? []) l.block('root-missing');
  }

  /** One probe of a remote, in a -n slot like every other rsync: after the early ones, which ran outside the slots. */
  private async probeOnce(remote: Remote, early?: EarlyProbes): Promise<ProbeResult> {
    if (early) await Promise.allSettled(early.values());
    return this.slots
      .forHost(remote.ip)
      .run(() =>
        probeRemote(this.deps.runner, this.deps.config.rsync, remote, this.deps.ssh?.(remote), this.deps.config.file),
      );
  }
}
