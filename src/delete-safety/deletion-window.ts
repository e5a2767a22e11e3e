/*
 * The mass-deletion brake, pure: which of a root's files disappeared lately, out of how many, and
 * whether that is a mass deletion (an `rm -rf` of much of the tree, ransomware renaming every
 * file). No clock and no fs: every method takes `now`; the edge (daemon/deletion-brake.ts)
 * holds the root's deletions while `DeletionWindow` says so, and `HeldDeletions` keeps them.
 */
import type { BytePath } from '../shared/bytepath.js';

interface GuardSettings {
  /** At least this % of the root's files disappeared within `withinMs`... */
  readonly percent: number;
  /** ...and at least this many. */
  readonly files: number;
  readonly withinMs: number;
}

/**
 * The window is kept as this many slots of `withinMs / SLOTS` each: constant memory for the
 * counts, and a window that is exact to one slot (a tenth of `within`).
 */
export const SLOTS = 10;

interface Slot {
  readonly index: number;
  /** Files that disappeared in this slot: removal events, or a drop of the count beyond them. */
  gone: number;
  /** The most files the root was known to hold during this slot (the base of the percentage). */
  most: number;
  /** The removed paths, so a trip can hold the ones not yet shipped too. */
  readonly paths: BytePath[];
  /** Paths that appeared in this slot (see `arrived`). */
  readonly arrivals: Set<BytePath>;
}

/**
 * At most this many recent arrivals are remembered per root (about 2 MB of names): past it, a
 * removal of a new file counts like any other, so a flood of new files errs toward the brake.
 */
export const MAX_ARRIVALS = 20_000;

/**
 * rsync's temporary name for a file it writes: `.NAME.XXXXXX` (mkstemp) beside it. Counting it
 * never loses a deletion (it still ships); it only keeps a restore or an rsync deploy from
 * tripping the brake.
 */
const RSYNC_TEMP_NAME = /(?:^|\/)\.[^/]+\.[A-Za-z0-9]{6}$/;

/** What the window says after an observation. */
export interface Trip {
  readonly gone: number;
  readonly of: number;
  /** The removed paths of the window (they become held deletions). */
  readonly paths: readonly BytePath[];
}

/**
 * One root's sliding window of disappearances. The root's file count comes from the watcher
 * (`count`); a removal event counts one file, and a count that dropped by more than the removals
 * seen meanwhile (a directory moved out of the tree: one event, its whole subtree gone) counts
 * the difference too. A rename counts: its old name disappears, though the count stays.
 */
export class DeletionWindow {
  private slots: Slot[] = [];
  private files = 0;
  private removedSinceCount = 0;
  private arrivals = 0;

  constructor(private readonly s: GuardSettings) {}

  /** The root's file count, as the watcher last said (0 until it says). */
  get knownFiles(): number {
    return this.files;
  }

  /**
   * A path of the root appeared (created, moved in). Remembered for the window: its removal is a
   * transient file's, not one of the root's files disappearing. rsync (a `restore`, a deploy) and
   * editors write a temporary name and rename it into place; the rename's old name must not count,
   * or restoring 1,000 files would trip the brake it is meant to end.
   */
  arrived(now: number, path: BytePath): void {
    if (this.arrivals >= MAX_ARRIVALS) return;
    const set = this.slotAt(now).arrivals;
    if (!set.has(path)) this.arrivals++;
    set.add(path);
  }

  /**
   * A removal of `path`: true (and forgotten) when it appeared within the window, so it is not a
   * disappearance. It still explains a drop of the count, as every removal does.
   */
  transient(now: number, path: BytePath): boolean {
    // The watcher often never sees rsync's temporary name at all (it is renamed away before the
    // lstat): its removal is the only trace, and it is no file of the root's.
    if (RSYNC_TEMP_NAME.test(path)) return true;
    this.expire(now);
    for (let i = 0; i < this.slots.length; i++)
      if (this.slots[i]!.arrivals.delete(path)) {
        this.arrivals--;
        this.removedSinceCount++;
        return true;
      }
    return false;
  }

  /** A path of the root disappeared. A Trip when this makes a mass deletion. */
  removed(now: number, path: BytePath): Trip | null {
    const slot = this.slotAt(now);
    slot.gone++;
    slot.paths.push(path);
    this.removedSinceCount++;
    return this.check();
  }

  /** The watcher's file count of the root now (after the events it sent with it). */
  count(now: number, files: number): Trip | null {
    const slot = this.slotAt(now);
    const unexplained = this.files - files - this.removedSinceCount;
    this.files = files;
    this.removedSinceCount = 0;
    slot.most = Math.max(slot.most, files);
    if (unexplained <= 0) return null;
    slot.gone += unexplained;
    return this.check();
  }

  /** Forget the window (a trip moved its paths into the held set). */
  reset(): void {
    this.slots = [];
    this.arrivals = 0;
  }

  /** Disappeared within the window, and the base of the percentage. */
  totals(now: number): { gone: number; of: number } {
    this.expire(now);
    return this.sum();
  }

  // Indexed loops here and in transient(): both run once per removal, and under node's --jitless
  // (shared/node-flags.ts) each step of a for...of allocates an iterator result: 10,000 held
  // removals made 2 MB of them over ten slots (issue 21, round 29).
  private sum(): { gone: number; of: number } {
    let gone = 0;
    let most = this.files;
    for (let i = 0; i < this.slots.length; i++) {
      const x = this.slots[i]!;
      gone += x.gone;
      most = Math.max(most, x.most);
    }
    // What disappeared existed: a count that lags (or was never given) cannot make it over 100 %.
    return { gone, of: Math.max(most, gone) };
  }

  private check(): Trip | null {
    const { gone, of } = this.sum();
    if (gone < this.s.files || gone * 100 < this.s.percent * of) return null;
    return { gone, of, paths: this.slots.flatMap((x) => x.paths) };
  }

  private slotAt(now: number): Slot {
    this.expire(now);
    const index = Math.floor(now / this.slotMs());
    const last = this.slots[this.slots.length - 1];
    if (last?.index === index) return last;
    // A new slot starts from the count known now: the files about to disappear were there.
    const slot: Slot = { index, gone: 0, most: this.files, paths: [], arrivals: new Set() };
    this.slots.push(slot);
    return slot;
  }

  private expire(now: number): void {
    const first = Math.floor(now / this.slotMs()) - SLOTS + 1;
    while (this.slots.length > 0 && this.slots[0]!.index < first) this.arrivals -= this.slots.shift()!.arrivals.size;
  }

  private slotMs(): number {
    return Math.max(1, this.s.withinMs / SLOTS);
  }
}

/**
 * A root's held deletions: paths that disappeared while (or just before) the brake held, not
 * yet shipped. A held path that exists again was restored: it is dropped, and when none is left
 * the hold is over by itself.
 */
export class HeldDeletions {
  private readonly paths = new Set<BytePath>();
  /** When the hold began (wall-clock ms, for people), null when nothing is held. */
  since: number | null = null;

  get size(): number {
    return this.paths.size;
  }

  get holding(): boolean {
    return this.paths.size > 0;
  }

  /** True when the path was not held before. */
  add(path: BytePath, wallNow: number): boolean {
    if (this.paths.has(path)) return false;
    this.since ??= wallNow;
    this.paths.add(path);
    return true;
  }

  /** The path exists again: true when it was held (and the hold may now be over: see holding). */
  restored(path: BytePath): boolean {
    const was = this.paths.delete(path);
    if (this.paths.size === 0) this.since = null;
    return was;
  }

  /** Released: every held path, sorted, and the hold is over. */
  takeAll(): BytePath[] {
    const out = [...this.paths].sort();
    this.paths.clear();
    this.since = null;
    return out;
  }

  list(): BytePath[] {
    return [...this.paths];
  }
}
