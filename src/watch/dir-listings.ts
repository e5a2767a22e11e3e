/**
 * What a directory's listing says about the names its events named. A burst's events come by the
 * hundred per directory, and an lstat each took 15-20 µs beside a writer renaming in that
 * directory (7 µs alone): in the bench's rename, 43 ms of the watcher's 94 during the burst, and
 * its last message came 85 ms after the writer's end (issue 21, round 23). One listing answers
 * them all: a name missing from it is gone, a non-directory in it is one. A directory in it is
 * still lstat'ed, for its identity.
 *
 * A listing only answers an event that came before it was taken (FsEventJob.seq): what it shows
 * is then at least as new as that event, as an lstat when the event is handled would be.
 */
import fs from 'node:fs';
import type { BytePath } from '../shared/bytepath.js';
import type { EventQueue, FsEventJob } from './event-queue.js';
import type { StatLike, WatchTable } from './watch-table.js';

/** A non-directory as a listing shows it: all an event on it needs (classify.ts). */
export const NOT_A_DIR: StatLike = Object.freeze({ ino: 0, birthtimeMs: 0, isDirectory: () => false });

/** A directory is listed for its events when this many of them wait... */
export const LIST_MIN_EVENTS = 8;
/**
 * ...and it holds at most this many files per waiting event: an entry of a listing costs well
 * under a microsecond, an lstat 7-20 µs, so a few events in a 100,000-file directory are lstat'ed.
 */
export const FILES_PER_EVENT = 64;

interface Listing {
  /** Taken after this many events had come (EventQueue.arrived). */
  readonly after: number;
  /** Name → whether it must still be lstat'ed (a directory). */
  readonly names: Map<BytePath, boolean>;
}

/** Reads a directory's names with their types; null when it cannot be read. */
export type ReadDir = (abs: string | Buffer) => fs.Dirent[] | null;

const readTyped: ReadDir = (abs) => {
  try {
    return fs.readdirSync(abs, { withFileTypes: true, encoding: 'latin1' });
  } catch {
    return null; // gone or unreadable: each event is lstat'ed as before
  }
};

/** The listings of the directories whose events are being handled (one per directory, the latest). */
export class DirListings {
  private readonly byDir = new Map<string, Listing>();

  constructor(private readonly read: ReadDir = readTyped) {}

  /**
   * What `rel`, which `job` named, is now: from a listing of its directory when enough of that
   * directory's events wait and it is not too big for them, else an lstat (`table.statSync`).
   */
  statOf(
    job: FsEventJob,
    rel: BytePath,
    queue: Pick<EventQueue, 'waitingIn' | 'arrived'>,
    table: Pick<WatchTable, 'get' | 'absOf' | 'statSync'>,
  ): StatLike | null {
    const dk = job.dk;
    const waiting = queue.waitingIn(dk);
    if (
      waiting >= LIST_MIN_EVENTS &&
      !this.fresh(dk, job.seq) &&
      (table.get(job.dirRel)?.files ?? Number.POSITIVE_INFINITY) <= FILES_PER_EVENT * waiting
    )
      this.list(dk, table.absOf(job.dirRel), queue.arrived);
    const seen = this.lookup(dk, job.seq, job.name);
    if (waiting === 0) this.byDir.delete(dk); // the directory's last waiting event
    return seen === undefined ? table.statSync(rel) : seen;
  }

  /**
   * What the listing of directory `dk` says of `name`, for an event numbered `seq`: null (not
   * there), NOT_A_DIR, or undefined when no listing taken after that event has it as a
   * non-directory or missing (no listing, a newer event, or a directory: the caller lstats).
   */
  lookup(dk: string, seq: number, name: BytePath): StatLike | null | undefined {
    if (!this.fresh(dk, seq)) return undefined;
    const dir = this.byDir.get(dk)!.names.get(name);
    return dir === undefined ? null : dir ? undefined : NOT_A_DIR;
  }

  /** A listing of `dk` taken after event `seq` is at hand. */
  fresh(dk: string, seq: number): boolean {
    const l = this.byDir.get(dk);
    return l !== undefined && l.after > seq;
  }

  /** Nothing waits to be handled: no listing is of use any more. */
  clear(): void {
    // Map.clear() allocates a new table even for an empty map, and this runs each time the queue
    // empties (issue 21, round 30: 0.9 MB of a deploy's watcher garbage that outlived the young generation).
    if (this.byDir.size > 0) this.byDir.clear();
  }

  /** Lists directory `dk` (at `abs`) now, after `arrived` events; false when it cannot be read. */
  list(dk: string, abs: string | Buffer, arrived: number): boolean {
    const entries = this.read(abs);
    if (!entries) return false;
    const names = new Map<BytePath, boolean>();
    for (const e of entries) names.set(e.name, e.isDirectory());
    this.byDir.set(dk, { after: arrived, names });
    return true;
  }
}
