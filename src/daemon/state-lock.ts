import fs from 'node:fs';
import path from 'node:path';
import { claimPidFile, readPid, type PidAlive } from '../shared/pid-file.js';
import { processAlive } from '../shared/process.js';

/** The lock's file in the state directory (not the -d PID file, which may live there too). */
export const LOCK_FILE = 'agent.lock';

/**
 * A pid is a running agent when it exists and its command line names sersync-ts (main.js); a
 * pid from before a reboot, reused by some other program, is not. Without /proc the pid's
 * existence alone counts.
 */
export function agentAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return /sersync-ts|main\.js/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

/** Who holds a state directory's lock, when it is not this process. */
interface LockHolder {
  readonly pid: number;
  readonly file: string;
}

/**
 * One agent per state directory. Two would both write the journal (each compaction drops the
 * other's records, so a crash loses changes) and each would read the other's open journal as an
 * unclean stop. The lock is a PID file (shared/pid-file.ts: claimed atomically; one left by a
 * process that is gone, after a crash, kill -9 or reboot, is taken over). The pid is this
 * process's for its whole life: a config reload's new agent keeps it.
 */
export class StateLock {
  private constructor(
    private readonly file: string,
    private readonly pid: number,
  ) {}

  /** Takes the lock, or names who holds it. Throws only when the directory cannot be written. */
  static take(stateDir: string, pid: number = process.pid, alive: PidAlive = agentAlive): StateLock | LockHolder {
    const file = path.join(stateDir, LOCK_FILE);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const holder = claimPidFile(file, pid, { alive, mode: 0o600 });
    return holder === null ? new StateLock(file, pid) : { pid: holder, file };
  }

  /** Removes the lock file, if it is still ours. */
  release(): void {
    if (readPid(this.file) === this.pid) fs.rmSync(this.file, { force: true });
  }
}
