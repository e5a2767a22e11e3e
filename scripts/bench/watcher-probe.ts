/**
 * One watcher in its own process, for the watchers workload (forked with IPC by watchers.ts):
 * node watcher-probe.js chokidar|dirwatch ROOT TAG. Starts the watcher on ROOT, says "ready"
 * with the time it took, then answers "stats" (distinct reported paths containing TAG, events,
 * errors, RSS, inotify watches, CPU) and "close".
 */
import path from 'node:path';
import { watch } from 'chokidar';
import { DirWatch } from '../../src/watch/dirwatch.js';
import type { Logger } from '../../src/shared/logger.js';
import { cpuOf, inotifyWatchesOf, memOf } from './proc.js';

export type ProbeKind = 'chokidar' | 'dirwatch';

export interface ProbeStats {
  readonly type: 'stats';
  readonly seen: number;
  readonly events: number;
  readonly errors: number;
  readonly problems: readonly string[];
  /** Date.now() of the last event (0: none yet). */
  readonly lastEventAt: number;
  readonly rss: number | null;
  readonly hwm: number | null;
  readonly watches: number | null;
  readonly cpu: number | null;
}

export interface ProbeReady {
  readonly type: 'ready';
  /** From just before the watcher was created to its ready. */
  readonly readyMs: number;
}

const quiet: Logger = {
  debugEnabled: false,
  debug: () => {},
  info: () => {},
  warn: (m) => void process.stderr.write(`dirwatch warn: ${m}\n`),
  error: (m) => void process.stderr.write(`dirwatch error: ${m}\n`),
  child: () => quiet,
  flush: async () => {},
  reopen: () => {},
};

const [kind, root, tag] = process.argv.slice(2) as [ProbeKind, string, string];
const seen = new Set<string>();
let events = 0;
let errors = 0;
let lastEventAt = 0;
const problems: string[] = [];
const note = (rel: string): void => {
  events++;
  lastEventAt = Date.now();
  if (rel.includes(tag)) seen.add(rel);
};

const t0 = performance.now();
let close: () => Promise<void>;
if (kind === 'chokidar') {
  // Defaults, as an application would use it, without the initial add events.
  const w = watch(root, { ignoreInitial: true });
  w.on('all', (_ev, p) => note(path.relative(root, p)));
  w.on('error', () => void errors++);
  await new Promise<void>((r) => w.once('ready', () => r()));
  close = () => w.close();
} else {
  const w = new DirWatch(
    [{ path: root, excludes: [] }],
    {
      onEvents: (evs) => {
        for (const e of evs) note(e.path);
      },
      onProblem: (p) => {
        errors++;
        problems.push(p.code);
      },
    },
    quiet,
  );
  await w.start();
  close = () => w.close();
}
process.send!({ type: 'ready', readyMs: performance.now() - t0 } satisfies ProbeReady);

process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') {
    const mem = memOf(process.pid);
    process.send!({
      type: 'stats',
      seen: seen.size,
      events,
      errors,
      problems: problems.slice(0, 20),
      lastEventAt,
      rss: mem?.rss ?? null,
      hwm: mem?.hwm ?? null,
      watches: inotifyWatchesOf(process.pid),
      cpu: cpuOf(process.pid),
    } satisfies ProbeStats);
  } else if (m.type === 'close') {
    void close().finally(() => process.exit(0));
  }
});
