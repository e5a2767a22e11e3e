import fs from 'node:fs/promises';
import path from 'node:path';
import type { PendingEntry } from '../aggregate/types.js';
import type { SersyncConfig } from '../config/types.js';
import { DeletionWindow, HeldDeletions, type Trip } from '../delete-safety/deletion-window.js';
import type { JournalRecord } from '../journal/codec.js';
import { fsPathOf, type BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

interface BrakeDeps {
  readonly config: SersyncConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Every hold and release is journaled (durable-state.ts), so a hold survives a crash. */
  readonly journal: (rec: JournalRecord) => void;
  /** Released deletions go to the root's lanes, as missing paths (rsync deletes them then). */
  readonly ship: (root: number, entries: readonly PendingEntry[]) => void;
}

/** What /status shows of a root's hold. */
export interface BrakeStatus {
  readonly heldDeletions: number;
  /** ISO time the hold began; null when nothing is held. */
  readonly heldSince: string | null;
  /** The root's file count, as the watcher last said. */
  readonly files: number;
}

/** One root's answer to `release-deletes`. */
export interface Released {
  readonly root: string;
  readonly paths: number;
}

/** lstats at once while looking for held paths that exist again after a restart. */
const SWEEP_BATCH = 256;

/**
 * The mass-deletion brake at the edge (`<sersync><deleteGuard>`): intake tells it what
 * disappeared and how many files each root has; when DeletionWindow (delete-safety/deletion-window.ts)
 * says a mass deletion is under way, the root's deletions are held: removed paths stop here,
 * and its lanes ship with deletion off (`holding`), so new and changed files still go out.
 * A held path that appears again is dropped (restored); `release` ships the rest.
 */
export class DeletionBrake {
  private readonly windows: readonly DeletionWindow[];
  private readonly held: readonly HeldDeletions[];
  private readonly log: Logger;

  constructor(private readonly deps: BrakeDeps) {
    const g = deps.config.deleteGuard;
    this.windows = deps.config.roots.map(() => new DeletionWindow(g));
    this.held = deps.config.roots.map(() => new HeldDeletions());
    this.log = deps.logger.child('brake');
  }

  private get enabled(): boolean {
    return this.deps.config.deleteGuard.enabled;
  }

  /** Root `i`'s lanes must ship no deletion now. */
  holding(i: number): boolean {
    return this.held[i]?.holding === true;
  }

  /** A path of root `i` disappeared: true when the brake keeps it (intake then does not aggregate it). */
  removed(i: number, p: BytePath, now: number): boolean {
    // A file that came and went within the window (a temporary name renamed into place) is no
    // disappearance: it ships, held or not. Tracked when off too, so a later reload finds it.
    if (this.windows[i]!.transient(now, p)) return false;
    // A hold outlives start="false" given by a reload or restart meanwhile: it ends by release or restore.
    if (this.holding(i)) {
      this.hold(i, p);
      return true;
    }
    if (!this.enabled) return false;
    const trip = this.windows[i]!.removed(now, p);
    if (trip) this.trip(i, trip);
    return trip !== null;
  }

  /** A path of root `i` exists (created, moved in, restored): a held deletion of it is dropped. */
  appeared(i: number, p: BytePath, now: number): void {
    this.windows[i]?.arrived(now, p);
    this.restoredLocally(i, p);
  }

  private restoredLocally(i: number, p: BytePath): void {
    const held = this.held[i];
    if (!held?.holding || !held.restored(p)) return;
    if (!held.holding)
      this.log.warn(
        `${this.deps.config.roots[i]!.path}: every held deletion was restored locally; the deletion brake is off again`,
      );
  }

  /** The watcher's file count of each root (after the events it came with). */
  files(counts: readonly number[], now: number): void {
    // Counted when off too: /status and /metrics show it.
    counts.forEach((n, i) => {
      const trip = this.windows[i]?.count(now, n);
      if (trip && this.enabled && !this.holding(i)) this.trip(i, trip);
    });
  }

  /** `sersync-ts release-deletes [--root PATH]`: the held deletions ship now. */
  release(root: string | null): Released[] | { readonly error: string } {
    const roots = this.deps.config.roots;
    const targets = root === null ? roots.map((_, i) => i) : [roots.findIndex((r) => r.path === path.resolve(root))];
    if (targets[0] === -1)
      return { error: `${root} is not a watched root of this agent (roots: ${roots.map((r) => r.path).join(', ')})` };
    return targets.map((i) => {
      const paths = this.held[i]!.takeAll();
      this.windows[i]!.reset();
      this.deps.journal({ type: 'release', root: roots[i]!.path });
      if (paths.length > 0) {
        this.log.warn(`${roots[i]!.path}: ${paths.length} held deletion(s) released by release-deletes; they ship now`);
        this.deps.ship(
          i,
          paths.map((p): PendingEntry => ({ path: p, kind: 'path' })),
        );
      }
      return { root: roots[i]!.path, paths: paths.length };
    });
  }

  /** What is held, as journal records (the journal's checkpoints keep them). */
  records(): JournalRecord[] {
    return this.deps.config.roots.flatMap((r, i) =>
      this.held[i]!.list().map((p): JournalRecord => ({ type: 'held', root: r.path, path: p })),
    );
  }

  /** A hold the last run journaled. */
  recover(rec: JournalRecord & { type: 'held' | 'release' }): void {
    const i = this.deps.config.roots.findIndex((r) => r.path === rec.root);
    if (i < 0) return;
    if (rec.type === 'release') this.held[i]!.takeAll();
    else this.held[i]!.add(rec.path, this.deps.clock.wallNow());
  }

  /** After a restart: held paths restored while the agent was down are dropped; the hold is said again. */
  async sweep(): Promise<void> {
    for (let i = 0; i < this.held.length; i++) {
      const held = this.held[i]!;
      if (!held.holding) continue;
      const root = this.deps.config.roots[i]!.path;
      const list = held.list();
      for (let k = 0; k < list.length; k += SWEEP_BATCH) {
        const chunk = list.slice(k, k + SWEEP_BATCH);
        const there = await Promise.all(
          chunk.map((p) =>
            fs.lstat(fsPathOf(`${Buffer.from(root).toString('latin1')}/${p}`)).then(
              () => true,
              () => false,
            ),
          ),
        );
        chunk.forEach((p, j) => there[j] && this.restoredLocally(i, p));
      }
      if (held.holding)
        this.log.warn(
          `${root}: ${held.size} deletion(s) held by the deletion brake since the last run; release with: sersync-ts release-deletes -o ${this.deps.config.file} --root ${root}`,
        );
    }
  }

  status(i: number): BrakeStatus {
    const held = this.held[i]!;
    return {
      heldDeletions: held.size,
      heldSince: held.since === null ? null : new Date(held.since).toISOString(),
      files: this.windows[i]!.knownFiles,
    };
  }

  private hold(i: number, p: BytePath): void {
    if (this.held[i]!.add(p, this.deps.clock.wallNow()))
      this.deps.journal({ type: 'held', root: this.deps.config.roots[i]!.path, path: p });
  }

  private trip(i: number, trip: Trip): void {
    const g = this.deps.config.deleteGuard;
    const root = this.deps.config.roots[i]!.path;
    this.windows[i]!.reset();
    // Only a count that fell (the root itself lost or replaced: the watcher's own full sync, with
    // its empty-root refusal, answers that); no path is pending a deletion, so none is held.
    if (trip.paths.length === 0) return;
    for (const p of trip.paths) this.hold(i, p);
    const pct = Math.round((trip.gone * 100) / trip.of);
    this.log.error(
      `DELETIONS HELD for ${root}: ${trip.gone} of its ${trip.of} files disappeared within ${g.withinMs / 1000} s (${pct} %, brake at ${g.percent} % and ${g.files} files); new and changed files still ship, deletions wait: restore the files, or release them with: sersync-ts release-deletes -o ${this.deps.config.file} --root ${root}`,
    );
  }
}
