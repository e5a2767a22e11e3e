import { loadExeca } from '../shared/execa-lazy.js';
import type { Clock } from '../shared/clock.js';

/** The outcome of one rsync process. */
export interface RsyncResult {
  /** rsync's exit code; -1 when it did not start or was killed by a signal. */
  readonly exitCode: number;
  readonly signal: string | null;
  /** Last lines of rsync's stderr (its own error text), trimmed. */
  readonly stderr: string;
  readonly durationMs: number;
  /** From rsync's --stats: bytes sent (null when rsync printed no stats). */
  readonly bytesSent: number | null;
  /** From rsync's --stats: regular files transferred. */
  readonly filesTransferred: number | null;
  /** Set when rsync could not be started at all (e.g. not installed). */
  readonly spawnError: string | null;
  /** With `<versions>`: files this run moved into the versions bucket (versions/backed-up.ts). */
  readonly versioned?: number;
}

export interface RunRequest {
  readonly args: readonly string[];
  readonly cwd: string;
  /** Written to rsync's stdin (the NUL-separated path list), or nothing. */
  readonly input?: Buffer;
  /** Hard limit on the process, in ms (rsync's own --timeout handles stalls on the wire). */
  readonly killAfterMs?: number;
  /** Sees rsync's stdout as it comes (progress of long full syncs). */
  readonly onStdout?: (text: string) => void;
  /** Aborting it ends rsync (SIGTERM): the lane gives up on a remote that stopped answering. */
  readonly signal?: AbortSignal;
  /** Told rsync's pid once it runs (verify reads its /proc/PID/io for the bytes it has read). */
  readonly onSpawn?: (pid: number) => void;
}

/** Runs the system rsync binary with an argv array: no shell ever sees a file name. */
export class RsyncRunner {
  constructor(
    private readonly clock: Clock,
    private readonly binary = process.env['SERSYNC_RSYNC'] ?? 'rsync',
  ) {}

  async run(req: RunRequest): Promise<RsyncResult> {
    const execa = await loadExeca();
    const started = this.clock.now();
    const sub = execa(this.binary, [...req.args], {
      cwd: req.cwd,
      input: req.input ?? '',
      reject: false,
      stdout: 'pipe',
      stderr: 'pipe',
      // stdout carries --stats, and every file name when the user put -v in commonParams: never
      // buffer it whole (a million-file full sync would blow any limit), keep only its tail.
      buffer: { stdout: false, stderr: true },
      maxBuffer: { stderr: 1024 * 1024 },
      ...(req.killAfterMs ? { timeout: req.killAfterMs } : {}),
      ...(req.signal ? { cancelSignal: req.signal } : {}),
      env: { LC_ALL: 'C' },
    });
    if (sub.pid !== undefined) req.onSpawn?.(sub.pid);
    let tail = '';
    sub.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      tail = (tail + text).slice(-8192);
      req.onStdout?.(text);
    });
    const r = await sub;
    const durationMs = this.clock.now() - started;
    const stderr = lastLines(String(r.stderr ?? ''), 6);
    const stats = parseStats(tail);
    const spawnFailed = r.failed && r.exitCode === undefined && !r.isTerminated && !r.timedOut && !r.isCanceled;
    return {
      exitCode: r.exitCode ?? -1,
      signal: r.signal ?? null,
      stderr,
      durationMs,
      ...stats,
      spawnError: spawnFailed ? (r.originalMessage ?? r.message ?? 'spawn failed') : null,
    };
  }
}

/** The two numbers we keep from `--stats` (present in every batch and full sync we run). */
function parseStats(stdout: string): { bytesSent: number | null; filesTransferred: number | null } {
  const num = (re: RegExp): number | null => {
    const m = re.exec(stdout);
    return m ? Number(m[1]!.replace(/[,.]/g, '')) : null;
  };
  return {
    bytesSent: num(/^Total bytes sent: ([\d,.]+)/m),
    filesTransferred: num(/^Number of regular files transferred: ([\d,.]+)/m),
  };
}

function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n');
  return lines.slice(-n).join('\n');
}
