/** What /proc says about a process: memory, CPU, inotify watches. Linux only, like the agent. */
import fs from 'node:fs';

/** VmRSS and VmHWM in bytes (null when the process is gone). Covers every thread of the process. */
export function memOf(pid: number | undefined | null): { rss: number; hwm: number } | null {
  if (!pid) return null;
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) of the process itself, all threads, not its children. */
export function cpuOf(pid: number | undefined | null): number | null {
  if (!pid) return null;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** inotify watches the process holds: `inotify wd:` lines over all its inotify fds. */
export function inotifyWatchesOf(pid: number | undefined | null): number | null {
  if (!pid) return null;
  let n = 0;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('inotify wd:')) continue;
    for (const line of text.split('\n')) if (line.startsWith('inotify wd:')) n++;
  }
  return n;
}

export const MB = 1024 * 1024;

/** The child processes of `pid` named `comm` (e.g. the agent's rsync runs), from the children files of its tasks in /proc. */
export function childrenNamed(pid: number | undefined | null, comm: string): number | null {
  if (!pid) return null;
  let n = 0;
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      let kids: string[];
      try {
        kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
      } catch {
        continue;
      }
      for (const k of kids) {
        try {
          if (fs.readFileSync(`/proc/${k}/comm`, 'utf8').trim() === comm) n++;
        } catch {
          /* exited meanwhile */
        }
      }
    }
  } catch {
    return null;
  }
  return n;
}

/**
 * Samples a process through a workload (every `everyMs`): its peak RSS and the most rsync children
 * it had at once. Peak RSS is sampled rather than VmHWM, which covers the whole life (startup too).
 */
export class ProcSampler {
  peakRss: number | null = null;
  maxRsync: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: () => number | null,
    everyMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const pid = this.pid();
    const rss = memOf(pid)?.rss;
    if (rss !== undefined && Number.isFinite(rss)) this.peakRss = Math.max(this.peakRss ?? 0, rss);
    const kids = childrenNamed(pid, 'rsync');
    if (kids !== null) this.maxRsync = Math.max(this.maxRsync ?? 0, kids);
  }

  stop(): { peakRss: number | null; maxRsync: number | null } {
    clearInterval(this.timer);
    this.sample();
    return { peakRss: this.peakRss, maxRsync: this.maxRsync };
  }
}
