import fs from 'node:fs/promises';
import path from 'node:path';
import { CanaryCheck, type CanaryCheckOptions, type CanaryLoss } from '../watch/canary-check.js';
import { baseName, toText, type BytePath } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import type { Clock } from '../shared/clock.js';
import { processAlive } from '../shared/process.js';
import { spawnCanaryWriter, type CanaryWriterProcess } from '../watch/canary-writer-process.js';

/** How often the canary writer creates a numbered file. */
const INTERVAL_MS = 100;
/** How often silence (no canary reported at all) is looked for. */
const SILENCE_CHECK_MS = 1000;

/** A canary loss in words, for the log line that announces the full sync. */
function describeLoss(loss: CanaryLoss, silentForMs: number): string {
  switch (loss.reason) {
    case 'lost':
      return `the kernel's inotify queue overflowed (${loss.missing} canary file(s) never reported): events were lost`;
    case 'stalled':
      return `the canary writer was frozen for ${loss.missing} interval(s) of ${INTERVAL_MS} ms (the service or the machine was stopped or starved): an overflow meanwhile would not show, so events may have been lost`;
    case 'silent':
      return `no canary event reported for ${Math.round(silentForMs / 1000)} s: the watcher may be dead or far behind, events may have been lost`;
  }
}

/**
 * Overflow detection (architecture.md §4): a separate process creates numbered files in a
 * directory the watcher worker also watches. The canary shares the kernel queue with the roots,
 * so a gap in the numbers means inotify dropped events, even while this process was stopped.
 */
export class Canary {
  private writer: CanaryWriterProcess | null = null;
  private check: CanaryCheck | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Events may have been lost (`why` says how): the agent answers with a full sync. */
    private readonly onLoss: (loss: CanaryLoss, why: string) => void,
    private readonly checkOptions: CanaryCheckOptions = {},
  ) {}

  /**
   * Creates this agent's canary directory and removes those left by processes that are gone.
   * (During a config reload the previous agent's writer still runs: its directory is left alone.)
   */
  async prepare(): Promise<void> {
    const parent = path.dirname(this.dir);
    for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
      const pid = Number(/^canary-(\d+)-\d+$/.exec(name)?.[1] ?? NaN);
      if (name === 'canary' || (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid))) {
        await fs.rm(path.join(parent, name), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      }
    }
    await fs.rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Starts the writer and the silence check (after the watcher watches the canary directory). */
  start(): void {
    this.check = new CanaryCheck(this.clock.now(), this.checkOptions);
    this.spawnWriter();
    this.silenceTimer = setInterval(() => {
      const check = this.check;
      const loss = check?.check(this.clock.now());
      if (check && loss) this.onLoss(loss, describeLoss(loss, this.clock.now() - check.lastSeen));
    }, SILENCE_CHECK_MS);
    this.silenceTimer.unref();
  }

  private spawnWriter(): void {
    const writer = spawnCanaryWriter(this.dir, INTERVAL_MS);
    this.writer = writer;
    const restart = (why: string): void => {
      if (this.stopping || this.writer !== writer) return;
      this.writer = null;
      this.logger.warn(`canary writer (${writer.kind}) ${why}; restarting it`);
      setTimeout(() => !this.stopping && this.spawnWriter(), 1000).unref();
    };
    writer.child.on('exit', (code, sig) => restart(`exited (${sig ?? code})`));
    // A writer that could not start at all (its program gone) says so here, not by an exit.
    writer.child.on('error', (err) => restart(`failed: ${err.message}`));
  }

  /** A canary file appeared. */
  seen(path: BytePath): void {
    const check = this.check;
    if (!check) return;
    const silentSince = check.lastSeen;
    const loss = check.seen(toText(baseName(path)), this.clock.now());
    if (loss) this.onLoss(loss, describeLoss(loss, this.clock.now() - silentSince));
  }

  stop(): void {
    this.stopping = true;
    if (this.silenceTimer) clearInterval(this.silenceTimer);
    this.silenceTimer = null;
    this.writer?.close();
    this.writer = null;
    // Best effort: the writer may still be finishing its last file.
    setTimeout(
      () => void fs.rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined),
      300,
    ).unref();
  }
}
