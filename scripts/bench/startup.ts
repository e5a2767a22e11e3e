/**
 * startup: a pre-synced tree (100k files / 5,000 dirs, 1M files / 50,000 dirs). Per system: launch
 * to ready, RSS and inotify watches 2 s after ready, CPU used to get ready. The floor's row is one
 * `rsync -a --delete` of the already-synced tree (a no-op check of every file).
 */
import { execa } from 'execa';
import { ensureMirror, ensureTree, totalDirs, type Layout } from './bigtree.js';
import { inotifyWatchesOf, memOf } from './proc.js';
import type { Env, System } from './systems.js';

export interface StartupRow {
  readonly tree: string;
  readonly system: string;
  /** Launch to ready (ms); for the floor, the no-op rsync's wall time. */
  readonly ms: number;
  readonly selfReportedMs: number | null;
  readonly rss: number | null;
  readonly hwm: number | null;
  readonly watches: number | null;
  readonly expectedWatches: number;
  readonly cpuToReady: number | null;
  readonly ok: boolean;
  readonly note?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runStartup(env: Env, dst: string, layout: Layout, repeats: number, systems: ReadonlyArray<() => System>, log: (s: string) => void): Promise<StartupRow[]> {
  await ensureTree(env.src, layout);
  await ensureMirror(env.src, dst, layout);
  const rows: StartupRow[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    for (const make of systems) {
      const sys = make();
      if (sys.name.startsWith('floor')) {
        const t0 = performance.now();
        const r = await execa('rsync', ['-a', '--delete', '--stats', `--port=${env.daemon.port}`, `--password-file=${env.daemon.passwordFile}`, './', `${env.daemon.user}@127.0.0.1::${env.module}`], { cwd: env.src, reject: false });
        const ms = performance.now() - t0;
        const sent = Number(/Number of regular files transferred: ([\d,]+)/.exec(String(r.stdout))?.[1]?.replace(/,/g, '') ?? NaN);
        rows.push({ tree: layout.name, system: sys.name, ms, selfReportedMs: null, rss: null, hwm: null, watches: 0, expectedWatches: 0, cpuToReady: null, ok: r.exitCode === 0 && sent === 0, note: `${sent} files transferred` });
        log(`startup ${layout.name} / ${sys.name}: ${ms.toFixed(0)} ms (exit ${r.exitCode}, ${sent} files transferred)`);
        continue;
      }
      let row: StartupRow;
      try {
        await sys.start();
        const ms = sys.readyAt()! - sys.launchedAt()!;
        const cpuToReady = sys.cpuSeconds();
        await sleep(2000);
        const mem = memOf(sys.pid());
        const watches = inotifyWatchesOf(sys.pid());
        // sersync-ts also watches its canary directory (one more watch).
        row = { tree: layout.name, system: sys.name, ms, selfReportedMs: sys.selfReportedReadyMs(), rss: mem?.rss ?? null, hwm: mem?.hwm ?? null, watches, expectedWatches: totalDirs(layout), cpuToReady, ok: watches !== null && watches >= totalDirs(layout) };
      } catch (e) {
        row = { tree: layout.name, system: sys.name, ms: NaN, selfReportedMs: null, rss: null, hwm: null, watches: null, expectedWatches: totalDirs(layout), cpuToReady: null, ok: false, note: String((e as Error).message).split('\n')[0]! };
      } finally {
        await sys.stop();
      }
      rows.push(row);
      log(`startup ${layout.name} / ${sys.name}: ready ${row.ms.toFixed(0)} ms, RSS ${((row.rss ?? NaN) / 2 ** 20).toFixed(0)} MiB, ${row.watches} watches (dirs: ${row.expectedWatches})${row.ok ? '' : ' NOT OK'}${row.note ? ` ${row.note}` : ''}`);
    }
  }
  return rows;
}
