/**
 * The canary writer in node, for a machine without bash (canary-writer-process.ts runs the bash
 * one elsewhere): a tiny child process (so it keeps writing while the agent itself is
 * stopped or blocked) that creates `c<slot>.<seq>` in the canary directory every interval and
 * removes old ones. `slot` is floor(now / interval) on the monotonic clock (a wall-clock step
 * must not look like a frozen writer), so a writer that was frozen shows a gap in the clock after it thaws; `seq` counts the files it made, so a file the watcher never reported
 * shows too (see canary-check.ts). Exits when the agent's IPC channel closes, so it never
 * outlives the agent.
 * argv: <dir> <intervalMs>
 */
import fs from 'node:fs';
import path from 'node:path';
import { canaryName } from './canary-check.js';
import { machineMonotonicMs } from '../shared/clock.js';

const [dir, intervalArg] = process.argv.slice(2);
if (!dir) process.exit(2);
const interval = Number(intervalArg) || 100;
const KEEP = 300; // canaries kept (must outlive one batch window), older ones are removed
let seq = 0;
let lastSlot = -1;
const made: string[] = [];

process.on('disconnect', () => process.exit(0));
const timer = setInterval(() => {
  const slot = Math.floor(machineMonotonicMs() / interval);
  if (slot === lastSlot) return; // the timer fired early: one canary per slot
  lastSlot = slot;
  const name = canaryName(slot, seq);
  try {
    fs.closeSync(fs.openSync(path.join(dir, name), 'w'));
    seq++; // only for a file that exists: a failed create must not look like a lost event
    made.push(name);
    while (made.length > KEEP) fs.rmSync(path.join(dir, made.shift()!), { force: true });
  } catch {
    /* the directory may be gone during shutdown */
  }
}, interval);
timer.unref();
// Keep the process alive while the IPC channel is open.
process.channel?.ref();
