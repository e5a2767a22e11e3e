/**
 * startup: a pre-synced tree (100k files / 5,000 dirs, 1M files / 50,000 dirs). Per system: launch
 * to ready, RSS and inotify watches 2 s after ready, CPU used to get ready. The floor's row is one
 * `rsync -a --delete` of the already-synced tree (a no-op check of every file).
 *
 * Ready is what an operator can rely on, not what the agent says: a file written after launch has
 * arrived on the remote AND every directory of the tree holds an inotify watch of the agent
 * (counted in /proc/PID/fdinfo of its inotify fds; a worker thread's fds are the process's). A
 * probe file is written right after the spawn and another every 100 ms until one arrives (lsyncd
 * with init = false never sends a file written before its watch existed).
 *
 * Counting the watches is not free: the kernel formats a line per watch, 14-18 ms of CPU for
 * 5,000 and ~130 ms for 50,000 (measured), and holds the watch table meanwhile, so an agent still
 * adding watches waits. Read every 10 ms while an agent still scanned (one that syncs during its
 * scan), that took a core of the two from it; every 1.7 s, it still made a 1M-file scan 0.5 s
 * slower. So the count is read only once the agent has said it is ready (and the probe has
 * arrived), every 10 ms: its word decides only when the bench looks, never the result, which can
 * then only come out late, not early.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ensureMirror, ensureTree, totalDirs, type Layout } from './bigtree.js';
import { inotifyWatchesOf, memOf } from './proc.js';
import { inRepeatOrder, type Env, type System } from './systems.js';

export interface StartupRow {
  readonly tree: string;
  readonly system: string;
  /** Launch to ready (ms); for the floor, the no-op rsync's wall time. */
  readonly ms: number;
  readonly selfReportedMs: number | null;
  /** Launch to the agent's own "ready" (its log line), before the probe and the watches were checked. */
  readonly saidReadyMs?: number | null;
  readonly rss: number | null;
  readonly hwm: number | null;
  readonly watches: number | null;
  readonly expectedWatches: number;
  readonly cpuToReady: number | null;
  readonly ok: boolean;
  readonly note?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often the watches are counted once the probe arrived and the agent said it was ready. */
const COUNT_MS = 10;

/**
 * Writes probe files into `src` (one now, then one every 100 ms) until one is on `dst` with its
 * content and the agent holds `dirs` inotify watches; resolves to the performance.now() of that.
 */
function readiness(
  src: string,
  dst: string,
  agent: { pid(): number | null; readyAt(): number | null },
  dirs: number,
  timeoutMs: number,
): { ready: Promise<number | null>; cancel: () => void } {
  const written = new Map<string, string>();
  let n = 0;
  const probe = (): void => {
    const name = `.startup-probe-${n++}`;
    written.set(name, `${name} ${Date.now()}\n`);
    fs.writeFileSync(path.join(src, name), written.get(name)!);
  };
  probe();
  let stopped = false;
  const writer = setInterval(() => arrived === null && probe(), 100);
  let arrived: number | null = null;
  const ready = (async (): Promise<number | null> => {
    const deadline = Date.now() + timeoutMs;
    while (!stopped && Date.now() < deadline) {
      if (arrived === null)
        for (const [name, text] of written) if (readOr(path.join(dst, name)) === text) arrived = performance.now();
      if (arrived !== null && agent.readyAt() !== null && (inotifyWatchesOf(agent.pid()) ?? 0) >= dirs)
        return performance.now();
      await sleep(arrived === null ? 5 : COUNT_MS);
    }
    return null;
  })().finally(() => clearInterval(writer));
  return { ready, cancel: () => void (stopped = true) };
}

const readOr = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Removes the probe files from the tree and the mirror (the next run starts from the same tree). */
function dropProbes(src: string, dst: string): void {
  for (const dir of [src, dst])
    for (const e of fs.readdirSync(dir))
      if (e.startsWith('.startup-probe-')) fs.rmSync(path.join(dir, e), { force: true });
}

export async function runStartup(
  env: Env,
  dst: string,
  layout: Layout,
  repeats: number,
  systems: ReadonlyArray<() => System>,
  log: (s: string) => void,
): Promise<StartupRow[]> {
  await ensureTree(env.src, layout);
  await ensureMirror(env.src, dst, layout);
  const rows: StartupRow[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    for (const make of inRepeatOrder(systems, rep)) {
      const sys = make();
      if (sys.name.startsWith('floor')) {
        const t0 = performance.now();
        const r = await execa(
          'rsync',
          [
            '-a',
            '--delete',
            '--stats',
            `--port=${env.daemon.port}`,
            `--password-file=${env.daemon.passwordFile}`,
            './',
            `${env.daemon.user}@127.0.0.1::${env.module}`,
          ],
          { cwd: env.src, reject: false },
        );
        const ms = performance.now() - t0;
        const sent = Number(
          /Number of regular files transferred: ([\d,]+)/.exec(String(r.stdout))?.[1]?.replace(/,/g, '') ?? NaN,
        );
        rows.push({
          tree: layout.name,
          system: sys.name,
          ms,
          selfReportedMs: null,
          rss: null,
          hwm: null,
          watches: 0,
          expectedWatches: 0,
          cpuToReady: null,
          ok: r.exitCode === 0 && sent === 0,
          note: `${sent} files transferred`,
        });
        log(
          `startup ${layout.name} / ${sys.name}: ${ms.toFixed(0)} ms (exit ${r.exitCode}, ${sent} files transferred)`,
        );
        continue;
      }
      let row: StartupRow;
      let check: ReturnType<typeof readiness> | null = null;
      try {
        await sys.start(() => (check = readiness(env.src, dst, sys, totalDirs(layout), 300_000)));
        const readyAt = await check!.ready;
        const ms = (readyAt ?? NaN) - sys.launchedAt()!;
        const cpuToReady = sys.cpuSeconds();
        await sleep(2000);
        const mem = memOf(sys.pid());
        const watches = inotifyWatchesOf(sys.pid());
        // sersync-ts also watches its canary directory (one more watch).
        row = {
          tree: layout.name,
          system: sys.name,
          ms,
          selfReportedMs: sys.selfReportedReadyMs(),
          saidReadyMs: sys.readyAt()! - sys.launchedAt()!,
          rss: mem?.rss ?? null,
          hwm: mem?.hwm ?? null,
          watches,
          expectedWatches: totalDirs(layout),
          cpuToReady,
          ok: readyAt !== null && watches !== null && watches >= totalDirs(layout),
        };
      } catch (e) {
        row = {
          tree: layout.name,
          system: sys.name,
          ms: NaN,
          selfReportedMs: null,
          rss: null,
          hwm: null,
          watches: null,
          expectedWatches: totalDirs(layout),
          cpuToReady: null,
          ok: false,
          note: String((e as Error).message).split('\n')[0]!,
        };
      } finally {
        (check as ReturnType<typeof readiness> | null)?.cancel();
        await sys.stop();
        dropProbes(env.src, dst);
      }
      rows.push(row);
      log(
        `startup ${layout.name} / ${sys.name}: ready ${row.ms.toFixed(0)} ms, RSS ${((row.rss ?? NaN) / 2 ** 20).toFixed(0)} MiB, ${row.watches} watches (dirs: ${row.expectedWatches})${row.ok ? '' : ' NOT OK'}${row.note ? ` ${row.note}` : ''}`,
      );
    }
  }
  return rows;
}
