import { execa } from 'execa';
import type { Clock } from '../shared/clock.js';

/** The outcome of one rsync process. */
export interface RsyncResult {
  /** rsync's exit code; -1 when it did not start or was killed by a signal. */
  readonly exitCode: number;
  readonly signal: string | null;
  /** Last lines of rsync's stderr (its own error text), trimmed. */
  readonly stderr: string;
  readonly durationMs: number;
  /** Set when rsync could not be started at all (e.g. not installed). */
  readonly spawnError: string | null;
}

export interface RunRequest {
  readonly args: readonly string[];
  readonly cwd: string;
  /** Written to rsync's stdin (the NUL-separated path list), or nothing. */
  readonly input?: Buffer;
  /** Hard limit on the process, in ms (rsync's own --timeout handles stalls on the wire). */
  readonly killAfterMs?: number;
}

/** Runs the system rsync binary with an argv array: no shell ever sees a file name. */
export class RsyncRunner {
  constructor(
    private readonly clock: Clock,
    private readonly binary = process.env['SERSYNC_RSYNC'] ?? 'rsync',
  ) {}

  async run(req: RunRequest): Promise<RsyncResult> {
    const started = this.clock.now();
    const r = await execa(this.binary, [...req.args], {
      cwd: req.cwd,
      input: req.input ?? '',
      reject: false,
      stdout: 'ignore',
      stderr: 'pipe',
      maxBuffer: 4 * 1024 * 1024,
      ...(req.killAfterMs ? { timeout: req.killAfterMs } : {}),
      env: { LC_ALL: 'C' },
    });
    const durationMs = this.clock.now() - started;
    const stderr = lastLines(String(r.stderr ?? ''), 6);
    const spawnFailed = r.failed && r.exitCode === undefined && !r.isTerminated && !r.timedOut;
    return {
      exitCode: r.exitCode ?? -1,
      signal: r.signal ?? null,
      stderr,
      durationMs,
      spawnError: spawnFailed ? (r.originalMessage ?? r.message ?? "spawn failed") : null,
    };
  }
}

function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n');
  return lines.slice(-n).join('\n');
}
