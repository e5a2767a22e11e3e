import fs from 'node:fs';
import path from 'node:path';

/** The lock's file in the state directory (not the -d PID file, which may live there too). */
export const LOCK_FILE = 'agent.lock';

/** Whether a pid is a running sersync-ts agent (injected in unit tests). */
export type AgentAlive = (pid: number) => boolean;

/**
 * A pid is a running agent when it exists (EPERM: it exists, as another user) and its command
 * line names sersync-ts (main.js); a pid from before a reboot, reused by some other program, is
 * not. Without /proc the pid's existence alone counts.
 */
export function agentAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return /sersync-ts|main\.js/.test(cmdline);
  } catch {
    return true;
  }
}

/** Who holds a state directory's lock, when it is not this process. */
export interface LockHolder {
  readonly pid: number;
  readonly file: string;
}

/**
 * One agent per state directory. Two would both write the journal (each compaction drops the
 * other's records, so a crash loses changes) and each would read the other's open journal as an
 * unclean stop. The lock is a file holding the owner's pid; one left by a process that is gone
 * (crash, kill -9, reboot) is taken over. The pid is this process's for its whole life: a
 * config reload's new agent keeps it.
 */
export class StateLock {
  private constructor(private readonly file: string, private readonly pid: number) {}

  /** Takes the lock, or names who holds it. Throws only when the directory cannot be written. */
  static take(stateDir: string, pid: number = process.pid, alive: AgentAlive = agentAlive): StateLock | LockHolder {
    const file = path.join(stateDir, LOCK_FILE);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Written whole under a name of its own, then linked into place: link() fails if the lock
    // exists, so no one ever reads a half-written lock.
    const mine = `${file}.${pid}`;
    fs.writeFileSync(mine, `${pid}\n`, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          fs.linkSync(mine, file);
          return new StateLock(file, pid);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const holder = readPid(file);
        if (holder === pid) return new StateLock(file, pid);
        if (holder !== null && alive(holder)) return { pid: holder, file };
        // Left by a process that is gone: remove it (unless it changed meanwhile) and try again;
        // of two starts racing here, one wins the link.
        if (readPid(file) === holder) fs.rmSync(file, { force: true });
      }
      return { pid: readPid(file) ?? 0, file };
    } finally {
      fs.rmSync(mine, { force: true });
    }
  }

  /** Removes the lock file, if it is still ours. */
  release(): void {
    if (readPid(this.file) === this.pid) fs.rmSync(this.file, { force: true });
  }
}

function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
