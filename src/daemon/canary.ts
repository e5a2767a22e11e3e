import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CanaryCheck } from '../watch/canary-check.js';
import { baseName, toText, type BytePath } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How often the canary writer creates a numbered file. */
const INTERVAL_MS = 100;

/**
 * Overflow detection (architecture.md §4): a separate process creates numbered files in a
 * directory the watcher worker also watches. The canary shares the kernel queue with the roots,
 * so a gap in the numbers means inotify dropped events, even while this process was stopped.
 */
export class Canary {
  private child: ChildProcess | null = null;
  private readonly check = new CanaryCheck();
  private stopping = false;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly onLoss: (missing: number) => void,
  ) {}

  /**
   * Creates this agent's canary directory and removes those left by processes that are gone.
   * (During a config reload the previous agent's writer still runs: its directory is left alone.)
   */
  async prepare(): Promise<void> {
    const parent = path.dirname(this.dir);
    for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
      const pid = Number(/^canary-(\d+)-\d+$/.exec(name)?.[1] ?? NaN);
      if (name === 'canary' || (Number.isInteger(pid) && pid !== process.pid && !alive(pid))) {
        await fs.rm(path.join(parent, name), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      }
    }
    await fs.rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  start(): void {
    this.child = fork(new URL('../watch/canary-writer.js', import.meta.url), [this.dir, String(INTERVAL_MS)], { stdio: 'ignore' });
    this.child.on('exit', (code, sig) => {
      if (this.stopping) return;
      this.logger.warn(`canary writer exited (${sig ?? code}); restarting it`);
      setTimeout(() => !this.stopping && this.start(), 1000).unref();
    });
  }

  /** A canary file appeared. */
  seen(path: BytePath): void {
    const missing = this.check.seen(toText(baseName(path)));
    if (missing > 0) this.onLoss(missing);
  }

  stop(): void {
    this.stopping = true;
    this.child?.disconnect();
    this.child?.kill();
    this.child = null;
    // Best effort: the writer may still be finishing its last file.
    setTimeout(() => void fs.rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined), 300).unref();
  }
}
