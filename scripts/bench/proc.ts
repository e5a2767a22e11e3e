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
