import type { BytePath } from '../shared/bytepath.js';
import type { FromWorker, WireEvent } from './protocol.js';
import type { ChangeKind, WatchProblem } from './types.js';

/** Events are sent to the main thread this long after the first of a batch... */
const FLUSH_MS = 10;
/**
 * ...or this soon when they are a few written files and nothing more waits to be looked at: a lone
 * save then waits 2 ms, not 10, for its leading-edge rsync (issue 21: 8 ms of a lone edit's 46-52).
 * More events wait the full window, so a burst's first message carries enough to be seen as one
 * (BURST.delivery). A burst whose writer is descheduled right after its first file can still send
 * that file alone on the leading edge and the rest in a run of its own, as with 10 ms, if rarer.
 */
const LONE_MS = 2;
const LONE_EVENTS = 4;
/**
 * Only files written go early: a save is what waits for its rsync. A removal or a directory event
 * waits the full window: an `rm -rf` whose writer was descheduled after its first unlink (2 cores,
 * the bench) otherwise sent that one deletion as a run of its own (burst-delete: 730 ms, 2 runs).
 */
const writtenFile = (e: WireEvent): boolean => e[2] === 'created' || e[2] === 'changed';
/** ...or at once when this many are waiting (a burst must not grow one message without bound). */
const FLUSH_EVENTS = 2000;
/**
 * ...or at once, saying more are coming, when the batch's first event is this old and its timer has
 * not fired: libuv reads the inotify queue until it is empty, so a writer faster than the worker
 * keeps the worker's loop from its timers. An `rm` of 3,000 files sent 1,275 events, then nothing
 * for 66 ms while 1,884 more were handled; the root had been quiet for BURST.quietMs by then (a
 * silent worker and a quiet disk look the same from the main thread), and the burst shipped as two
 * rsync runs (burst-delete: 886 ms against 400-500 in one; issue 21, round 21).
 */
export const OVERDUE_MS = 2 * FLUSH_MS;
/** Changes kept while the first scan runs, at most; beyond, every root gets a full sync instead. */
export const EARLY_EVENTS_MAX = 100_000;

/**
 * The worker's sending side of the protocol (protocol.ts): events batched into few messages, a
 * problem always after the events seen before it, and the changes seen during the first scan
 * held back: all of them until the agent can sync (`flow`), the removals until the scan is done
 * (`open`). A removal goes to the mass-deletion brake, whose base is the root's file count, and
 * that count is only whole once the scan is (a problem meanwhile does not send them ahead).
 */
export class Outbox {
  private events: WireEvent[] = [];
  /** Kept back during the first scan: everything until flow(), then the removals (class comment). */
  private kept: WireEvent[] = [];
  private flowing = false;
  private timer: NodeJS.Timeout | null = null;
  /** The first look's decision, due after the event loop's next poll (firstLook). */
  private look: NodeJS.Immediate | null = null;
  private ready = false;
  /** 'ready' was said before the counts were whole (watched()). */
  private said = false;
  private earlyOverflow = false;
  /** When the first of `events` came (OVERDUE_MS). */
  private firstAt = 0;

  constructor(
    private readonly post: (msg: FromWorker) => void,
    /** Each root's file count now (watch-table.ts). */
    private readonly files: () => number[] = () => [],
    /** No event is waiting to be looked at (event-queue.ts). */
    private readonly settled: () => boolean = () => true,
    /** Monotonic ms. */
    private readonly now: () => number = () => performance.now(),
  ) {}
  /** The last message said "not settled": one more is owed when the worker settles. */
  private owed = false;

  emit(root: number, rel: BytePath, kind: ChangeKind, movedFrom?: BytePath): void {
    if (rel === '') return;
    const event: WireEvent = movedFrom === undefined ? [root, rel, kind] : [root, rel, kind, movedFrom];
    if (!this.ready && (!this.flowing || kind === 'removed')) {
      // The first scan reports nothing itself, but directories it has already watched report real
      // changes: keep them (a long walk must not lose them), up to a bound.
      if (this.kept.length >= EARLY_EVENTS_MAX) this.earlyOverflow = true;
      else this.kept.push(event);
      return;
    }
    const now = this.now();
    if (this.events.push(event) === 1) this.firstAt = now;
    if (this.events.length >= FLUSH_EVENTS) this.flush();
    else if (now - this.firstAt >= OVERDUE_MS) this.flush(true);
    else if (this.timer === null && this.look === null) this.timer = setTimeout(() => this.firstLook(), LONE_MS);
  }

  /**
   * LONE_MS after a batch's first event: few and settled go now, the rest at FLUSH_MS. Decided
   * after the event loop's next poll (setImmediate), not in the timer: a burst's events that the
   * kernel already holds are read first, and count.
   */
  private firstLook(): void {
    this.timer = null;
    this.look = setImmediate(() => {
      this.look = null;
      if (this.events.length <= LONE_EVENTS && this.events.every(writtenFile) && this.settled()) this.flush();
      else this.timer = setTimeout(() => this.flush(), FLUSH_MS - LONE_MS);
    });
  }

  /** `busy`: sent from inside a stretch of events (OVERDUE_MS): more are coming, whatever the queue says. */
  flush(busy = false): void {
    this.cancel();
    if (this.events.length === 0 && !this.owed) return;
    const events = this.events;
    this.events = [];
    const settled = !busy && this.settled();
    // Before open() the counts are not whole: the main thread keeps the last whole ones (none).
    this.post(
      this.ready ? { type: 'events', events, files: this.files(), settled } : { type: 'events', events, settled },
    );
    // The main thread keeps removals until it hears "settled" (with the counts after the whole burst).
    this.owed = !settled;
    if (this.owed) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.look) clearImmediate(this.look);
    this.timer = this.look = null;
  }

  /** Closing: nothing more is sent by a timer. */
  stop(): void {
    this.cancel();
    this.owed = false;
  }

  problem(p: WatchProblem): void {
    this.flush();
    this.post({ type: 'problem', problem: p });
  }

  /**
   * The agent can sync now, though the first scan still runs: what was kept goes, and what comes
   * goes as it comes, but for removals. After an overflow nothing changes: the full sync that
   * open() asks for covers all of it.
   */
  flow(): void {
    if (this.ready || this.flowing || this.earlyOverflow) return;
    this.flowing = true;
    const removals: WireEvent[] = [];
    for (const e of this.kept) (e[2] === 'removed' ? removals : this.events).push(e);
    this.kept = removals;
    if (this.events.length > 0) this.flush();
  }

  /**
   * Every directory is watched, and the first scan reads the leaves' file counts next (scan.ts):
   * say ready now. The removals stay kept until open(), which sends the counts they need first.
   */
  watched(watchedDirs: number[]): void {
    this.said = true;
    this.post({ type: 'ready', watchedDirs });
  }

  /** The first scan is done, counts too: say so, then send what it held back (or a full sync if too much). */
  open(watchedDirs: number[]): void {
    this.ready = true;
    if (!this.said) this.post({ type: 'ready', watchedDirs, files: this.files() });
    else {
      // The counts go in a message of their own, ahead of the kept removals: the main thread checks
      // a message's removals against the counts it had before it (intake.ts, admitRemovals).
      this.owed = true;
      this.flush();
    }
    const kept = this.kept;
    this.kept = [];
    if (this.earlyOverflow) {
      this.events = [];
      this.problem({
        root: -1,
        code: 'early-overflow',
        message: `more than ${EARLY_EVENTS_MAX} changes happened while the first scan ran`,
      });
    } else {
      for (const e of kept) this.events.push(e);
      this.flush();
    }
  }
}
