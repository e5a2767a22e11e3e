import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { OWN_NODE_FLAGS } from '../../src/shared/node-flags.js';
import { configXml } from '../../test/helpers/agent.js';
import type { RsyncDaemon } from '../../test/helpers/rsyncd.js';
import { waitFor } from '../../test/helpers/wait.js';
import { cpuOf } from './proc.js';

/** A sync agent under test: started on a pre-synced tree, told to stop afterwards. */
export interface System {
  readonly name: string;
  /**
   * Resolves once the agent says it is watching (see readyAt). `onLaunch` runs right after the
   * process is spawned (startup writes its post-launch probe file there).
   */
  start(onLaunch?: () => void): Promise<void>;
  /**
   * Called right after a workload's changes: the floor runs its rsync here; agents do nothing.
   * With `paths` (relative to the root), the floor sends only those (`rsync -a -R`).
   */
  afterChange(paths?: readonly string[]): Promise<void>;
  /** rsync processes started so far (when known). */
  rsyncRuns(): number | null;
  /** Bytes the transfers sent so far (when known). */
  bytesSent(): number | null;
  /** CPU seconds the agent used so far (user + system, all threads, not its rsync children), when known. */
  cpuSeconds(): number | null;
  /** The agent's process id while it runs (null for the floor). */
  pid(): number | null;
  /** performance.now() at launch and when the agent said it was ready (null for the floor). */
  launchedAt(): number | null;
  readyAt(): number | null;
  /** The agent's own account of its startup (sersync-ts: "ready in N ms"), when it gives one. */
  selfReportedReadyMs(): number | null;
  stop(): Promise<void>;
}

export interface Env {
  readonly src: string;
  readonly work: string;
  readonly daemon: RsyncDaemon;
  readonly module: string;
  /** fan-out: every module the root goes to (default: just `module`). */
  readonly modules?: readonly string[];
  /** Extra command-line arguments for sersync-ts (fan-out: `-n 8`). */
  readonly agentArgs?: readonly string[];
  /** ssh workloads: the bench's own sshd, and the remote directory on it. */
  readonly ssh?: { readonly port: number; readonly dir: string; readonly env: NodeJS.ProcessEnv };
  /** sersync-ts keeps `<deleteGuard>`'s defaults (the deploy workload); otherwise it is off. */
  readonly deleteGuard?: boolean;
}

/** BENCH_TRACE=1: echo the agent's log lines (with the time since launch) to stderr. */
export const TRACE = process.env['BENCH_TRACE'] === '1';

/** Collects a child's output as whole lines (a chunk can end mid-line), calling `onLine` for each. */
function lineReader(onLine: (l: string) => void): (b: Buffer) => void {
  let rest = '';
  return (b) => {
    const parts = (rest + b.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  };
}

async function stopChild(c: ChildProcess | null): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(t);
}

/** Where BENCH_VERSIONS=1 has sersync-ts keep versions on the receiver. */
export const VERSIONS_DIR = '.sersync-versions';

/**
 * An older build to measure beside this one, in the same run (before/after, alternating within
 * each repeat, so both see the same machine, each first in turn: inRepeatOrder):
 * BENCH_BEFORE_CLI=/path/to/dist/src/main.js, named `sersync-ts before (BENCH_BEFORE_LABEL)`.
 */
export const BEFORE = process.env['BENCH_BEFORE_CLI']
  ? {
      cli: process.env['BENCH_BEFORE_CLI'],
      name: `sersync-ts before (${process.env['BENCH_BEFORE_LABEL'] ?? 'older build'})`,
    }
  : null;

/**
 * The systems of repeat `rep` in the order they run: this build and the older one (BEFORE) swap
 * places every other repeat, so neither always runs right after the floors. The one that did was
 * the slower one in burst-create, whichever build it was (round 12 of docs/BENCHMARKS.md; why was
 * not measured).
 */
export function inRepeatOrder<T extends () => System>(makers: readonly T[], rep: number): T[] {
  const names = makers.map((m) => m().name);
  const mine = names.indexOf('sersync-ts');
  const before = BEFORE ? names.indexOf(BEFORE.name) : -1;
  const out = [...makers];
  if (rep % 2 === 1 && mine >= 0 && before >= 0) [out[mine], out[before]] = [makers[before]!, makers[mine]!];
  return out;
}

/**
 * The agent built beside this bench (dist/src/main.js of the tree that holds dist/scripts/bench),
 * not the one under the current directory (test/helpers/agent.ts CLI): an A/B run as `cd main &&
 * node /tmp/wt-x/dist/scripts/bench/bench.js` with BENCH_BEFORE_CLI=main's ran main on both sides.
 */
const OWN_CLI = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/**
 * The node flags an agent runs with: the launcher's (src/shared/node-flags.ts), or for an A/B
 * BENCH_NODE_ARGS (this build) and BENCH_BEFORE_NODE_ARGS (the older one), space-separated ("" for none).
 */
function nodeFlags(build: { readonly cli: string } | null): string[] {
  const given = process.env[build ? 'BENCH_BEFORE_NODE_ARGS' : 'BENCH_NODE_ARGS'];
  return given === undefined ? [...OWN_NODE_FLAGS] : given.split(' ').filter(Boolean);
}

/** sersync-ts itself (the agent beside this bench, or `build`), with a config like an operator's. */
export function sersyncTs(env: Env, build: { readonly cli: string; readonly name: string } | null = null): System {
  let child: ChildProcess | null = null;
  let lines: string[] = [];
  let runs = 0;
  let bytes = 0;
  let launched: number | null = null;
  let ready: number | null = null;
  let selfReady: number | null = null;
  const failLog = path.join(env.work, `fail-${env.module}.sh`);
  return {
    name: build?.name ?? 'sersync-ts',
    async start(onLaunch) {
      const conf = path.join(env.work, `sersync-${env.module}.xml`);
      // A clean start: no journal or fail log left by an earlier run of the bench.
      fs.rmSync(`${failLog}.state`, { recursive: true, force: true });
      fs.rmSync(failLog, { force: true });
      const remote = env.ssh
        ? { remotes: [{ module: env.ssh.dir }], port: env.ssh.port, ssh: true }
        : {
            remotes: (env.modules ?? [env.module]).map((module) => ({ module })),
            port: env.daemon.port,
            passwordFile: env.daemon.passwordFile,
          };
      // The mass-deletion brake off (but for deploy): burst-delete removes 97 % of its tree and
      // rename renames most of its, both well past <deleteGuard>'s defaults; the bench measures
      // how fast they ship.
      // BENCH_VERSIONS=1: the same with <versions> on (its cost, README "Backups: versions and restore").
      const versions =
        process.env['BENCH_VERSIONS'] === '1'
          ? `<versions start="true" dir="${VERSIONS_DIR}" bucket="1h" keep="30d"/>\n      `
          : '';
      fs.writeFileSync(
        conf,
        configXml({
          watch: env.src,
          ...remote,
          failLog,
          commonParams: '-a',
          timeoutSec: null,
          // BENCH_DEBUG=1 (with BENCH_TRACE=1): the agent's debug lines, a timeline of each batch.
          debug: process.env['BENCH_DEBUG'] === '1',
          extraSersync: env.deleteGuard ? '' : '<deleteGuard start="false"/>',
        }).replace('<ssh start=', `${versions}<ssh start=`),
      );
      lines = [];
      ready = null;
      selfReady = null;
      const onLine = (l: string): void => {
        lines.push(l);
        if (TRACE) process.stderr.write(`  [sersync-ts +${(performance.now() - launched!).toFixed(0)} ms] ${l}\n`);
        if (/ -> .*: (\d+ paths?|full sync), exit /.test(l)) runs++;
        bytes += bytesFromLine(l);
        const m = /ready in (\d+) ms/.exec(l);
        if (m && ready === null) {
          ready = performance.now();
          selfReady = Number(m[1]);
        }
      };
      runs = 0;
      bytes = 0;
      launched = performance.now();
      child = spawn(
        process.execPath,
        [...nodeFlags(build), build?.cli ?? OWN_CLI, '-o', conf, ...(env.agentArgs ?? [])],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          // As the packaged launcher and the systemd unit run it: two malloc arenas (-3 MiB RSS).
          env: { ...process.env, MALLOC_ARENA_MAX: '2', ...env.ssh?.env },
        },
      );
      onLaunch?.();
      child.stdout!.on('data', lineReader(onLine));
      child.stderr!.on('data', lineReader(onLine));
      const c = child;
      await waitFor(() => ready !== null || c.exitCode !== null, {
        timeoutMs: 300_000,
        intervalMs: 5,
        what: 'sersync-ts ready',
      }).catch((e: Error) => {
        throw new Error(`${e.message}\n${lines.slice(-20).join('\n')}`);
      });
      if (ready === null)
        throw new Error(`sersync-ts exited (${c.exitCode}) before it was ready:\n${lines.slice(-20).join('\n')}`);
      // Over ssh the first batches would otherwise log in on their own, while the master connects.
      if (env.ssh)
        await waitFor(() => lines.some((l) => /ssh master to .* up/.test(l)) || c.exitCode !== null, {
          timeoutMs: 30_000,
          intervalMs: 5,
          what: 'the ssh master',
        });
    },
    afterChange: async () => {},
    rsyncRuns: () => runs,
    bytesSent: () => bytes,
    cpuSeconds: () => cpuOf(child?.pid),
    pid: () => child?.pid ?? null,
    launchedAt: () => launched,
    readyAt: () => ready,
    selfReportedReadyMs: () => selfReady,
    async stop() {
      await stopChild(child);
      child = null;
    },
  };
}

/** Bytes from a sersync-ts batch line ("..., 12 ms, 3.9 KiB sent"). */
export function bytesFromLine(l: string): number {
  const m = /, ([\d.]+) (B|KiB|MiB|GiB|TiB) sent(?:, \d+ moved into versions)?$/.exec(l.trimEnd());
  if (!m) return 0;
  return Math.round(Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }[m[2] as 'B']);
}

/**
 * lsyncd 2.2.3 (Debian) with default.rsync to the same daemon module, init = false (the tree is
 * pre-synced). Ready = its first "Masterloop: going into select" log line: with init = false,
 * "--- Startup ---" is logged before any watch is added, and the first select comes after all of
 * them (checked with -log all). -log Exec gives one "Calling rsync" line per rsync run.
 */
export function lsyncd(env: Env, delay: number | null): System {
  let child: ChildProcess | null = null;
  let launched: number | null = null;
  let ready: number | null = null;
  const log = path.join(env.work, `lsyncd-${env.module}-${delay ?? 'default'}.log`);
  const logText = (): string => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
  return {
    name: delay === null ? 'lsyncd (default delay 15 s)' : `lsyncd (delay=${delay})`,
    async start(onLaunch) {
      fs.rmSync(log, { force: true });
      ready = null;
      const conf = path.join(env.work, `lsyncd-${env.module}.lua`);
      const syncs = (env.modules ?? [env.module]).map(
        (m) =>
          `sync { default.rsync, source = ${JSON.stringify(env.src)}, target = ${JSON.stringify(`rsync://${env.daemon.user}@127.0.0.1:${env.daemon.port}/${m}/`)},` +
          `${delay === null ? '' : ` delay = ${delay},`} init = false, rsync = { archive = true, password_file = ${JSON.stringify(env.daemon.passwordFile)} } }\n`,
      );
      fs.writeFileSync(
        conf,
        `settings { nodaemon = true, logfile = ${JSON.stringify(log)}, insist = true }\n${syncs.join('')}`,
      );
      launched = performance.now();
      child = spawn('lsyncd', ['-log', 'Exec', '-log', 'Masterloop', conf], { stdio: 'ignore' });
      onLaunch?.();
      const c = child;
      // Reading a small file every few ms; the log holds a handful of lines until ready.
      await waitFor(
        () => {
          if (c.exitCode !== null) return true;
          if (/Masterloop: going into select/.test(logText())) {
            ready = performance.now();
            return true;
          }
          return false;
        },
        { timeoutMs: 300_000, intervalMs: 5, what: 'lsyncd ready' },
      );
      if (ready === null)
        throw new Error(`lsyncd exited (${c.exitCode}) before it was ready:\n${logText().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    },
    afterChange: async () => {},
    rsyncRuns: () => (logText().match(/Calling rsync/g) ?? []).length,
    bytesSent: () => null,
    cpuSeconds: () => cpuOf(child?.pid),
    pid: () => child?.pid ?? null,
    launchedAt: () => launched,
    readyAt: () => ready,
    selfReportedReadyMs: () => null,
    async stop() {
      await stopChild(child);
      child = null;
    },
  };
}

/**
 * The floor: one plain `rsync -a --delete` of the tree right after the change. Given paths
 * (relative to the root), it sends just those with `rsync -a -R`, in lanes keyed by the first
 * path component: a lane runs one rsync at a time, and a run starts right after the change or,
 * when the lane is busy, right after the running one ends, with every path that came meanwhile.
 * That is "one rsync right after the change" without starting 100 rsync processes a second on
 * 2 cores (the bigfile workload: a lane for the big file, one for the small files).
 */
export function floor(env: Env, nodelay: boolean): System {
  let runs = 0;
  let bytes = 0;
  const rsync = async (args: readonly string[], module = env.module): Promise<void> => {
    runs++;
    const r = await execa(
      'rsync',
      [
        '-a',
        '--stats',
        ...(nodelay ? ['--sockopts=TCP_NODELAY'] : []),
        `--port=${env.daemon.port}`,
        `--password-file=${env.daemon.passwordFile}`,
        ...args,
        `${env.daemon.user}@127.0.0.1::${module}`,
      ],
      { cwd: env.src, reject: false },
    );
    if (r.exitCode !== 0) process.stderr.write(`floor rsync exit ${r.exitCode}: ${String(r.stderr).slice(0, 500)}\n`);
    bytes += Number(/Total bytes sent: ([\d,]+)/.exec(String(r.stdout))?.[1]?.replace(/,/g, '') ?? 0);
  };
  interface FloorLane {
    running: Promise<void> | null;
    next: { paths: string[]; done: Promise<void>; resolve: () => void } | null;
  }
  const lanes = new Map<string, FloorLane>();
  const send = (paths: readonly string[]): Promise<void> => {
    const key = paths[0]!.split('/')[0]!;
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = { running: null, next: null }));
    const l = lane;
    if (!l.next) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      l.next = { paths: [], done, resolve };
    }
    const batch = l.next;
    batch.paths.push(...paths);
    const kick = (): void => {
      if (l.running || !l.next) return;
      const b = l.next;
      l.next = null;
      l.running = rsync(['-R', '--', ...b.paths]).then(() => {
        l.running = null;
        b.resolve();
        kick();
      });
    };
    kick();
    return batch.done;
  };
  // Fan-out: one plain rsync per module, all started together.
  const whole = async (): Promise<void> =>
    void (await Promise.all((env.modules ?? [env.module]).map((m) => rsync(['--delete', './'], m))));
  return floorSystem(
    nodelay ? FLOOR_NODELAY : FLOOR,
    (paths) => (paths ? send(paths) : whole()),
    () => runs,
    () => bytes,
  );
}

/** A floor: no agent, only the rsync it runs after each change (so no process, CPU or startup). */
function floorSystem(
  name: string,
  afterChange: System['afterChange'],
  runs: () => number,
  bytes: () => number,
): System {
  return {
    name,
    start: async () => {},
    afterChange,
    rsyncRuns: runs,
    bytesSent: bytes,
    cpuSeconds: () => null,
    pid: () => null,
    launchedAt: () => null,
    readyAt: () => null,
    selfReportedReadyMs: () => null,
    stop: async () => {},
  };
}

export const FLOOR = 'floor (rsync -a)';
export const FLOOR_NODELAY = 'floor (rsync -a, TCP_NODELAY)';

export const FLOOR_SSH = 'floor (rsync -a -e ssh)';

/**
 * The ssh floor: one plain `rsync -a -R -e 'ssh -p PORT' PATH host:dir` right after each change
 * (a fresh ssh login each time, as any script would do it), through the bench's ssh wrapper.
 */
export function sshFloor(env: Env): System {
  const ssh = env.ssh!;
  let runs = 0;
  let bytes = 0;
  const rsync = async (args: readonly string[]): Promise<void> => {
    runs++;
    const r = await execa('rsync', ['-a', '--stats', '-e', `ssh -p ${ssh.port}`, ...args, `127.0.0.1:${ssh.dir}/`], {
      cwd: env.src,
      reject: false,
      env: ssh.env,
    });
    if (r.exitCode !== 0)
      process.stderr.write(`ssh floor rsync exit ${r.exitCode}: ${String(r.stderr).slice(0, 500)}\n`);
    bytes += Number(/Total bytes sent: ([\d,]+)/.exec(String(r.stdout))?.[1]?.replace(/,/g, '') ?? 0);
  };
  return floorSystem(
    FLOOR_SSH,
    (paths) => (paths ? rsync(['-R', '--', ...paths]) : rsync(['--delete', './'])),
    () => runs,
    () => bytes,
  );
}
