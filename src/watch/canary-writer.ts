/**
 * The canary writer: a tiny child process (so it keeps writing while the agent itself is
 * stopped or blocked) that creates `c<N>` in the canary directory every interval and removes
 * old ones. Exits when the agent's IPC channel closes, so it never outlives the agent.
 * argv: <dir> <intervalMs>
 */
import fs from 'node:fs';
import path from 'node:path';

const [dir, intervalArg] = process.argv.slice(2);
if (!dir) process.exit(2);
const interval = Number(intervalArg) || 100;
const KEEP = 300; // canaries older than this many intervals are removed (must outlive one batch window)
// Start from the clock so a restarted writer never repeats numbers the watcher just saw.
let n = Math.floor(Date.now() / interval);
const first = n;

process.on('disconnect', () => process.exit(0));
const timer = setInterval(() => {
  n++;
  try {
    fs.closeSync(fs.openSync(path.join(dir, `c${n}`), 'w'));
    if (n - KEEP > first) fs.rmSync(path.join(dir, `c${n - KEEP}`), { force: true });
  } catch {
    /* the directory may be gone during shutdown */
  }
}, interval);
timer.unref();
// Keep the process alive while the IPC channel is open.
process.channel?.ref();
