import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../shared/logger.js';
import { ByteLines } from './byte-lines.js';
import { decodeJournal, encodeRecord, type JournalRecord } from './codec.js';

/** What a previous run left behind. */
interface Recovered {
  readonly records: readonly JournalRecord[];
  /** False when the previous run did not shut down cleanly (crash, kill -9, power loss). */
  readonly clean: boolean;
  /** True when there was no journal at all (first start). */
  readonly fresh: boolean;
}

const FILE = 'pending.journal';
/** Group appends: one write + fdatasync per window, so a burst costs a few syncs, not thousands. */
const FLUSH_MS = 20;

/**
 * Crash-safe record of dirty paths. Appends go to the end of one file and reach the disk in
 * small groups; `checkpoint()` rewrites it atomically (temp + rename) with only what is still
 * pending, which keeps it small. After a crash, whatever the file holds is dirty again.
 */
export class PendingJournal {
  private readonly buffer = new ByteLines();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private appendedSinceCheckpoint = 0;

  private constructor(
    private readonly file: string,
    private handle: fs.FileHandle,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating `dir` with mode 0700 when missing) and returns what the last run left. */
  static async open(dir: string, logger: Logger): Promise<{ journal: PendingJournal; recovered: Recovered }> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await fs.lstat(dir);
    if (!st.isDirectory())
      throw new Error(`state directory ${dir} is not a directory (move it away or pass --state-dir)`);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
      throw new Error(
        `state directory ${dir} belongs to uid ${st.uid}, not to this user (chown it or pass --state-dir)`,
      );
    }
    if (st.mode & 0o022) throw new Error(`state directory ${dir} is writable by group or others (chmod 700 ${dir})`);
    const file = path.join(dir, FILE);
    let text: string | null = null;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const decoded = text === null ? { records: [], skipped: 0, clean: true } : decodeJournal(text);
    if (decoded.skipped > 0)
      logger.warn(`journal ${file}: ${decoded.skipped} unreadable line(s) skipped (a torn write from a crash)`);
    const handle = await fs.open(file, 'a', 0o600);
    const journal = new PendingJournal(file, handle, logger);
    // Keep what was recovered until the agent checkpoints its own state.
    await journal.rewrite(decoded.records.filter((r) => r.type !== 'clean'));
    return { journal, recovered: { records: decoded.records, clean: decoded.clean, fresh: text === null } };
  }

  record(r: JournalRecord): void {
    this.buffer.push(encodeRecord(r));
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Appends made since the last checkpoint (the agent compacts when this grows). */
  get appended(): number {
    return this.appendedSinceCheckpoint;
  }

  /** Writes buffered records and waits until they are on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const count = this.buffer.count;
    const bytes = this.buffer.take();
    if (bytes !== null) {
      this.appendedSinceCheckpoint += count;
      this.chain = this.chain
        .then(async () => {
          await this.handle.write(bytes);
          await this.handle.datasync();
        })
        .catch((err: unknown) => this.logger.error(`journal ${this.file}: write failed: ${String(err)}`));
    }
    return this.chain;
  }

  /** Replaces the journal with exactly `current` (what is still pending), atomically. */
  async checkpoint(current: readonly JournalRecord[]): Promise<void> {
    this.dropBuffered();
    await this.rewrite(current);
  }

  /** Final checkpoint plus the clean-shutdown marker. */
  async close(current: readonly JournalRecord[]): Promise<void> {
    // Left buffered, a record's flush could fire during the rewrite and land after the clean marker.
    this.dropBuffered();
    // Without the clean marker the next start counts this run as unclean and syncs everything: safe.
    await this.rewrite([...current, { type: 'clean' }]).catch((err: unknown) =>
      this.logger.error(`journal ${this.file}: final write failed: ${String(err)}; the next start does a full sync`),
    );
    await this.chain;
    await this.handle.close();
  }

  /** Records buffered before a checkpoint or close are covered by `current` (the caller's in-memory state). */
  private dropBuffered(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer.clear();
  }

  private rewrite(records: readonly JournalRecord[]): Promise<void> {
    // A failed rewrite leaves the old journal in place (it still holds everything) and must not
    // block the appends and rewrites that follow: the caller sees the error, the chain goes on.
    const next = this.chain.then(async () => {
      const tmp = `${this.file}.tmp-${process.pid}-${++rewrites}`;
      const fh = await fs.open(tmp, 'w', 0o600);
      try {
        await fh.write(records.map(encodeRecord).join(''));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, this.file);
      const dirFh = await fs.open(path.dirname(this.file), 'r');
      await dirFh.sync().finally(() => dirFh.close());
      await this.handle.close();
      this.handle = await fs.open(this.file, 'a', 0o600);
      this.appendedSinceCheckpoint = 0;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** Temporary names of rewrites are unique within the process (a reload runs two journals). */
let rewrites = 0;
