/**
 * The dirwatch scan alone, for profiling startup: node dist/scripts/bench/scan-probe.js ROOT [--wait MS].
 * Starts DirWatch on ROOT, prints the time to ready, then (after --wait, default 2000 ms, like
 * the startup workload) the process's VmRSS/VmHWM, the main thread's heap, and the CPU seconds
 * of every thread (/proc/self/task/*: the worker and libuv's threadpool show up by name).
 */
import fs from 'node:fs';
import { DirWatch } from '../../src/watch/dirwatch.js';
import type { Logger } from '../../src/shared/logger.js';
import { memOf, MB } from './proc.js';

const quiet: Logger = {
  debugEnabled: false,
  debug: () => {},
  info: () => {},
  warn: (m) => void process.stderr.write(`warn: ${m}\n`),
  error: (m) => void process.stderr.write(`error: ${m}\n`),
  child: () => quiet,
  flush: async () => {},
  reopen: () => {},
};

/** Per thread name: user and system CPU seconds. */
function threadCpu(): Map<string, { user: number; sys: number; n: number }> {
  const out = new Map<string, { user: number; sys: number; n: number }>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const s = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(') ') + 2).split(' ');
      const cur = out.get(name) ?? { user: 0, sys: 0, n: 0 };
      out.set(name, { user: cur.user + Number(f[11]) / 100, sys: cur.sys + Number(f[12]) / 100, n: cur.n + 1 });
    } catch {
      /* thread gone */
    }
  }
  return out;
}

const root = process.argv[2]!;
const waitIdx = process.argv.indexOf('--wait');
const waitMs = waitIdx > 0 ? Number(process.argv[waitIdx + 1]) : 2000;
let events = 0;
const w = new DirWatch(
  [{ path: root, excludes: [] }],
  {
    onEvents: (e) => void (events += e.length),
    onProblem: (p) => process.stderr.write(`problem: ${p.code} ${p.message}\n`),
  },
  quiet,
);
const t0 = performance.now();
await w.start();
const readyMs = performance.now() - t0;
const cpuAtReady = threadCpu();
await new Promise((r) => setTimeout(r, waitMs));
const st = await w.stats();
const mem = memOf(process.pid);
const mu = process.memoryUsage();
process.stdout.write(`ready ${readyMs.toFixed(0)} ms; ${st.watchedDirs.join('+')} dirs watched; ${events} events\n`);
process.stdout.write(
  `VmRSS ${((mem?.rss ?? 0) / MB).toFixed(1)} MiB, VmHWM ${((mem?.hwm ?? 0) / MB).toFixed(1)} MiB; main heap ${(mu.heapUsed / MB).toFixed(1)}/${(mu.heapTotal / MB).toFixed(1)} MiB, external ${(mu.external / MB).toFixed(1)} MiB\n`,
);
let total = 0;
for (const [name, c] of cpuAtReady) {
  total += c.user + c.sys;
  if (c.user + c.sys > 0)
    process.stdout.write(
      `cpu to ready ${name}${c.n > 1 ? ` x${c.n}` : ''}: user ${c.user.toFixed(2)} s, sys ${c.sys.toFixed(2)} s\n`,
    );
}
process.stdout.write(`cpu to ready total: ${total.toFixed(2)} s\n`);
await w.close();
