/**
 * When a big file held by the large-file slot may go: once it is written, not while. A file sent
 * while it grows is sent again after (the old bigfile trace: a 1 GiB file sent three times, the
 * later two as slow delta transfers against the partial remote copy), so the slot waits for the
 * file to be closed and quiet, with a cap so that a file written forever (a growing log) still
 * ships. Pure: the times are parameters, what the disk and /proc showed comes in as a FileLook
 * (large-look.ts takes it).
 */
import { backoffDelay } from '../shared/backoff.js';

/** What one look saw of a held file. */
export interface FileLook {
  /** A regular file: its size and a signature of (inode, size, mtime, ctime). null: gone, or not a regular file. */
  readonly file: { readonly size: number; readonly sig: string } | null;
  /** A visible process holds it open for writing (open-writers.ts). */
  readonly writing: boolean;
}

/** The gate's times and sizes; GATE holds the defaults. */
export interface GateRules {
  /**
   * Smaller files are never held: cheap to send again, and not worth a look. Also the least size
   * at which the main slot asks whether a recently changed file is still open for writing.
   */
  readonly growingBytes: number;
  /** Closed, seen by a scan of every process: quiet (no event, the same stat) this long. */
  readonly settleMs: number;
  /** Not open for writing by any process the scan could see, but it could not see all: quiet this long. */
  readonly unseenQuietMs: number;
  /** Open for writing but quiet this long: the writer idles (a database, a log between lines); send. */
  readonly idleWriterMs: number;
  /** Held at most this long (from the first event of this wait): a file written forever still ships. */
  readonly capMs: number;
  /** Looks at a held file at most this often... */
  readonly lookMs: number;
  /** ...backing off (doubling) while nothing changes, up to this. */
  readonly maxLookMs: number;
  /** A look that cost c ms is followed by one at least this many times c later (a busy /proc). */
  readonly lookCostFactor: number;
}

/**
 * settleMs: two looks 100 ms apart after the last write (the bench writes every 80 ms; a
 * writer's close shows in the scan). unseenQuietMs: without a full view, 1 s of quiet: longer
 * than the pauses of a writer that streams. capMs: 30 s, so a 1 GiB file written at 50 MB/s
 * (20 s) still goes once, and a log kept open ships twice a minute.
 */
export const GATE: GateRules = {
  growingBytes: 1024 * 1024,
  settleMs: 100,
  unseenQuietMs: 1000,
  idleWriterMs: 2000,
  capMs: 30_000,
  lookMs: 100,
  maxLookMs: 1000,
  lookCostFactor: 20,
};

/** One held file's wait. */
export class FileGate {
  private lastEvent: number;
  private lastLookAt: number | null = null;
  private sig: string | null = null;
  private sigSince = 0;
  private idleLooks = 0;
  private lookCostMs = 0;
  /** Quiet needed by the last look's verdict (null: ready, or no look yet). */
  private needQuietMs: number | null = null;
  private open = false;
  /** Held because the receiver was full: may go at this time, not before (null: not deferred). */
  private until: number | null = null;

  constructor(
    private readonly since: number,
    private readonly rules: GateRules = GATE,
  ) {
    this.lastEvent = since;
  }

  /** The watcher reported a change: the file is being written; look again once it is quiet. */
  event(now: number): void {
    this.lastEvent = now;
    this.idleLooks = 0;
    if (this.needQuietMs === null && this.lastLookAt !== null) this.needQuietMs = this.rules.settleMs; // was ready
  }

  /** What a look at `now` saw; `complete`: the writer scan saw every process; `costMs`: what it cost. */
  observe(look: FileLook, complete: boolean, costMs: number, now: number): void {
    this.lastLookAt = now;
    this.lookCostMs = costMs;
    const f = look.file;
    if (f === null || f.size < this.rules.growingBytes) {
      this.needQuietMs = null; // gone, a directory, or small now: nothing to wait for
      return;
    }
    if (f.sig !== this.sig) {
      this.sig = f.sig;
      this.sigSince = now;
      this.idleLooks = 0;
    } else this.idleLooks++;
    this.open = look.writing;
    const need = look.writing ? this.rules.idleWriterMs : complete ? this.rules.settleMs : this.rules.unseenQuietMs;
    this.needQuietMs = this.quietFor(now) >= need ? null : need;
  }

  /**
   * The receiver had no room for it (No space left, quota): it is written (it was sent), so it
   * goes again at `until`, when the lane's backoff says, and no look is needed before.
   */
  defer(until: number): void {
    this.until = until;
  }

  /** Waits for room on the receiver (defer()). */
  get deferred(): boolean {
    return this.until !== null;
  }

  /** May go now: a look found it written (nothing changed since), or the cap is reached; a deferred file at its time. */
  ready(now: number): boolean {
    if (this.until !== null) return now >= this.until;
    return (this.lastLookAt !== null && this.needQuietMs === null) || now - this.since >= this.rules.capMs;
  }

  /** A process held it open for writing at the last look (for the log line). */
  get writing(): boolean {
    return this.open;
  }

  /** When to look next (monotonic ms): after the events went quiet, at most every lookMs (backing off), at the cap. */
  nextLookAt(): number {
    if (this.until !== null) return this.until;
    const capAt = this.since + this.rules.capMs;
    const afterEvents = this.lastEvent + this.rules.settleMs;
    if (this.lastLookAt === null) return Math.min(capAt, afterEvents);
    const base = Math.max(this.rules.lookMs, this.rules.lookCostFactor * this.lookCostMs);
    const every = backoffDelay(this.idleLooks + 1, { baseMs: base, capMs: this.rules.maxLookMs });
    // No point looking before the quiet the last look asked for can have passed.
    const canPass = this.needQuietMs === null ? 0 : Math.max(this.lastEvent, this.sigSince) + this.needQuietMs;
    return Math.min(
      capAt,
      Math.max(afterEvents, Math.min(this.lastLookAt + every, Math.max(canPass, this.lastLookAt + this.rules.lookMs))),
    );
  }

  private quietFor(now: number): number {
    return Math.min(now - this.lastEvent, now - this.sigSince);
  }
}
