import fs from 'node:fs';

/**
 * The agent's rsync processes now: its descendants whose command name says rsync (the system
 * rsync, or a SERSYNC_RSYNC wrapper: a script's command name is its file name, and every wrapper
 * in these tests is called *rsync; the kernel keeps 15 characters of a name, and `recording-rsync`
 * is exactly 15: a longer wrapper name would need a look at /proc/PID/cmdline instead). Its
 * canary writer (bash, or node) and ssh masters (ssh) are not.
 * Zombies count: rsync has ended but the agent has not reaped it, so its batch line is still to come.
 */
export function rsyncDescendants(root: number): number[] {
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), { pid: Number(name), comm }]);
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      if (c.comm.includes('rsync')) found.push(c.pid);
      walk(c.pid);
    }
  };
  walk(root);
  return found;
}
