import fs from 'node:fs';
import { processAlive } from './process.js';

/** Whether the process a file names counts as its holder (default: it exists). */
export type PidAlive = (pid: number) => boolean;

interface ClaimOptions {
  readonly alive?: PidAlive;
  /** @default 0o644 */
  readonly mode?: number;
}

/**
 * Takes a file holding this process's pid, atomically: the complete file is hard-linked into
 * place (O_EXCL semantics: exactly one of two simultaneous claims wins, and no reader ever sees
 * it half-written). A stale one (its process is gone) is moved aside first, and only if it still
 * holds the stale pid. One that already holds this pid is ours. Returns null when taken, else the
 * pid of the process that holds it (-1 when the race could not be settled). Used for the -d PID
 * file (supervisor.ts) and the state directory's lock (state-lock.ts).
 */
export function claimPidFile(file: string, pid = process.pid, opts: ClaimOptions = {}): number | null {
  const alive = opts.alive ?? processAlive;
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`, { mode: opts.mode ?? 0o644, flag: 'w' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, file);
        return null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = runningPid(file, alive);
      if (holder === pid) return null;
      if (holder !== null) return holder;
      // Stale: move it aside; if what was moved is not what we judged stale, another claim
      // replaced it meanwhile: put it back (unless yet another one is in place) and lose.
      const stale = readPid(file);
      const aside = `${file}.${pid}.stale`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue; // gone already: try again
      }
      const moved = readPid(aside);
      if (moved !== stale && moved !== null && alive(moved)) {
        try {
          fs.linkSync(aside, file);
        } catch {
          /* another one is in place: it wins */
        }
        fs.rmSync(aside, { force: true });
        return moved;
      }
      fs.rmSync(aside, { force: true });
    }
    return runningPid(file, alive) ?? -1;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The pid a file holds, when it holds one. */
export function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid in a PID file when that process still runs, else null. */
export function runningPid(file: string, alive: PidAlive = processAlive): number | null {
  const pid = readPid(file);
  return pid !== null && alive(pid) ? pid : null;
}
