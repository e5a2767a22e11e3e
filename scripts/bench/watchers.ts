/**
 * watchers: chokidar 5 (defaults, ignoreInitial) against our dirwatch (dist/src/watch/dirwatch.js)
 * on the 100k-file tree. Each watcher runs in its own process (watcher-probe.ts) so RSS and
 * inotify watches are its own; a third process (burst-writer.ts) creates 20,000 files
 * round-robin over the 5,000 leaf directories. After the writer exits, the bench waits until every
 * file was reported or no event came for 3 s (at most 2 min); missed = files never reported.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ensureTree, leafOf, totalDirs, totalFiles, type Layout } from './bigtree.js';
import type { ProbeKind, ProbeReady, ProbeStats } from './watcher-probe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROBE = path.join(here, 'watcher-probe.js');
const WRITER = path.join(here, 'burst-writer.js');
export const BURST = 20_000;
const QUIET_MS = 3000;

export interface WatcherRow {
  readonly watcher: string;
  readonly readyMs: number;
  readonly launchToReadyMs: number;
  readonly watches: number | null;
  readonly rssReady: number | null;
  readonly rssAfter: number | null;
  readonly hwm: number | null;
  readonly missed: number;
  readonly lastAfterEndMs: number | null;
  readonly burstWriteMs: number;
  readonly cpuBurst: number | null;
  readonly errors: number;
  readonly problems: readonly string[];
}

export const WATCHER_NAMES: Record<ProbeKind, string> = {
  dirwatch: 'dirwatch (ours, per-dir fs.watch in a worker)',
  chokidar: 'chokidar 5.0.0 (defaults, ignoreInitial)',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runWatchers(
  root: string,
  layout: Layout,
  repeats: number,
  log: (s: string) => void,
): Promise<WatcherRow[]> {
  await ensureTree(root, layout);
  const rows: WatcherRow[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    for (const kind of ['dirwatch', 'chokidar'] as const) {
      const tag = `burst${rep}${kind}`;
      const child = fork(PROBE, [kind, root, tag], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const launched = performance.now();
      const waiters: Array<(m: ProbeStats) => void> = [];
      let ready: ProbeReady | null = null;
      child.on('message', (m: ProbeReady | ProbeStats) => {
        if (m.type === 'ready') ready = m;
        else waiters.shift()?.(m);
      });
      const stats = (): Promise<ProbeStats> =>
        new Promise((resolve) => {
          waiters.push(resolve);
          child.send({ type: 'stats' });
        });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        const deadline = Date.now() + 600_000;
        while (!ready && child.exitCode === null && Date.now() < deadline) await sleep(5);
        if (!ready) throw new Error(`${kind} probe did not get ready (exit ${child.exitCode})`);
        const launchToReadyMs = performance.now() - launched;
        const readyMs = (ready as ProbeReady).readyMs;
        await sleep(1000);
        const s0 = await stats();
        const w = await execa(process.execPath, [WRITER, root, JSON.stringify(layout), String(BURST), tag]);
        const burstEnd = Date.now();
        let s = await stats();
        while (
          s.seen < BURST &&
          Date.now() - Math.max(s.lastEventAt, burstEnd) < QUIET_MS &&
          Date.now() - burstEnd < 120_000
        ) {
          await sleep(250);
          s = await stats();
        }
        const row: WatcherRow = {
          watcher: WATCHER_NAMES[kind],
          readyMs,
          launchToReadyMs,
          watches: s0.watches,
          rssReady: s0.rss,
          rssAfter: s.rss,
          hwm: s.hwm,
          missed: BURST - s.seen,
          lastAfterEndMs: s.lastEventAt ? s.lastEventAt - burstEnd : null,
          burstWriteMs: Number(String(w.stdout).trim()),
          cpuBurst: s.cpu !== null && s0.cpu !== null ? s.cpu - s0.cpu : null,
          errors: s.errors,
          problems: s.problems,
        };
        rows.push(row);
        log(
          `watchers ${kind} run ${rep + 1}: ready ${readyMs.toFixed(0)} ms, ${row.watches} watches (tree: ${totalDirs(layout)} dirs + ${totalFiles(layout)} files), RSS ${((row.rssReady ?? 0) / 2 ** 20).toFixed(0)} MiB, missed ${row.missed}/${BURST}, errors ${row.errors}`,
        );
      } finally {
        if (child.exitCode === null) {
          child.send({ type: 'close' });
          const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exited;
          clearTimeout(t);
        }
        for (let i = 0; i < BURST; i++) fs.rmSync(path.join(root, leafOf(layout, i), `${tag}-${i}`), { force: true });
      }
    }
  }
  return rows;
}
