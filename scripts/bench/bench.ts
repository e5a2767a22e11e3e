/**
 * `npm run bench`: sersync-ts against lsyncd and the rsync floor, one after another in the same
 * run, on identical trees, against a local rsync daemon on 127.0.0.1. Prints markdown tables with
 * ratios to the floor (medians over the repeats). Not a test: it asserts nothing about speed.
 *
 * Usage: `npm run bench -- --help` (USAGE below); docs/BENCHMARKS.md explains the workloads and columns.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startRsyncDaemon } from '../../test/helpers/rsyncd.js';
import { dropTree, T100K, T1M } from './bigtree.js';
import { runStartup, type StartupRow } from './startup.js';
import {
  fmt,
  fmtDiffs,
  fmtMiB,
  fmtMs,
  fmtPaired,
  median,
  medianOf,
  pairedDiffs,
  pairedRatios,
  quantile,
  ratio,
} from './stats.js';
import {
  floor,
  FLOOR,
  FLOOR_NODELAY,
  FLOOR_SSH,
  lsyncd,
  sersyncTs,
  BEFORE,
  inRepeatOrder,
  sshFloor,
  type Env,
  type System,
} from './systems.js';
import { startSshd, type Sshd } from '../../test/helpers/sshd.js';
import { BURST, runWatchers, type WatcherRow } from './watchers.js';
import { BIGFILE, LATENCY, WORKLOADS } from './workloads.js';
import { childrenNamed, ProcSampler } from './proc.js';

interface Row {
  workload: string;
  system: string;
  rep: number;
  ms: number;
  p95?: number;
  max?: number;
  totalMs?: number;
  bigSends?: number;
  converged: boolean;
  runs: number | null;
  bytes: number | null;
  /** What the rsync daemon logged as received during the run, summed over its sessions. */
  received: number;
  cpu: number | null;
  /** The agent's RSS, sampled every 20 ms through the workload: the highest seen. */
  peakRss: number | null;
  /** The most rsync processes the agent had running at once (sampled with peakRss). */
  maxRsync: number | null;
}

/** The daemon logs "sent N bytes  received M bytes  total size T" per session. */
function daemonReceived(logFile: string, from: number): number {
  let text = '';
  try {
    const fd = fs.openSync(logFile, 'r');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - from));
    fs.readSync(fd, buf, 0, buf.length, from);
    fs.closeSync(fd);
    text = buf.toString('utf8');
  } catch {
    return NaN;
  }
  let n = 0;
  for (const m of text.matchAll(/ received ([\d,]+) bytes/g)) n += Number(m[1]!.replace(/,/g, ''));
  return n;
}

const logSize = (f: string): number => (fs.existsSync(f) ? fs.statSync(f).size : 0);

/**
 * Waits (at most 5 s) until every daemon session has logged its end: the daemon writes
 * "sent ... received ..." a moment after the client exits, and the preparing rsync's line must
 * not be counted in the run that follows.
 */
async function daemonSessionsEnded(logFile: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    const started = (text.match(/\] rsync (to|on) /g) ?? []).length;
    const ended = (text.match(/ received [\d,]+ bytes/g) ?? []).length;
    if (ended >= started) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ALL = [...WORKLOADS.map((w) => w.name), 'startup', 'watchers'];

const USAGE = `Usage: npm run bench -- [workload ...] [options]   (or node dist/scripts/bench/bench.js ...)
  workloads: ${ALL.join(' ')} (default: all)
  --repeat N           repeats of every workload but the 1M-file startup tree (default 3)
  --repeat-1m N        repeats of the 1M-file startup tree (default 1)
  --no-1m              skip the 1M-file startup tree
  --no-lsyncd-default  skip lsyncd with its default 15 s delay
  --system SUBSTR      only systems whose name contains SUBSTR (repeatable; the floors always run)
  --server-nodelay     give the rsync daemon socket options = TCP_NODELAY
  --json FILE          also write every individual run as JSON
  --keep-trees DIR     build the big startup/watchers trees under DIR and keep them
  --tmpdir DIR         where the trees, the daemon's modules and the agents' state go (default: the
                       system's temporary directory, or .bench-work in the project when that is a
                       tmpfs: operators' trees are on disk; --tmpdir /dev/shm for a tmpfs run)
  --quick              every workload once, in under 5 minutes: --repeat 1 --no-1m --system sersync-ts,
                       10 latency samples (a check before a change lands, not a result)
Environment: BENCH_BEFORE_CLI=OTHER/dist/src/main.js (and BENCH_BEFORE_LABEL=name) also runs an older
build as "sersync-ts before (name)", alternating with this one in every repeat, each first in turn (before/after).
The agents run with the packaged launcher's node flags (src/shared/node-flags.ts); BENCH_NODE_ARGS and BENCH_BEFORE_NODE_ARGS
give this build's and the older one's node flags instead ("" for none).
Markdown tables on stdout, progress on stderr; docs/BENCHMARKS.md explains every column.
`;

function parseArgs(argv: readonly string[]) {
  const opts = {
    only: [] as string[],
    repeat: 3,
    repeat1m: 1,
    no1m: false,
    noLsyncdDefault: false,
    systems: [] as string[],
    serverNodelay: false,
    json: null as string | null,
    keepTrees: null as string | null,
    tmpdir: defaultWorkDir(),
    quick: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a === '--repeat') opts.repeat = Math.max(1, Number(val()));
    else if (a === '--repeat-1m') opts.repeat1m = Math.max(1, Number(val()));
    else if (a === '--no-1m') opts.no1m = true;
    else if (a === '--no-lsyncd-default') opts.noLsyncdDefault = true;
    else if (a === '--system') opts.systems.push(val());
    else if (a === '--server-nodelay') opts.serverNodelay = true;
    else if (a === '--json') opts.json = val();
    else if (a === '--keep-trees') opts.keepTrees = path.resolve(val());
    else if (a === '--tmpdir') opts.tmpdir = path.resolve(val());
    else if (a === '--quick') opts.quick = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (!ALL.includes(a)) throw new Error(`unknown workload ${a} (known: ${ALL.join(' ')})`);
    else opts.only.push(a);
  }
  if (opts.only.length === 0) opts.only = ALL;
  if (opts.quick) {
    Object.assign(opts, {
      repeat: argv.includes('--repeat') ? opts.repeat : 1,
      no1m: true,
      noLsyncdDefault: true,
      systems: opts.systems.length ? opts.systems : ['sersync-ts'],
    });
    LATENCY.samples = 10;
  }
  return opts;
}

/** The system's temporary directory unless it is a tmpfs: then .bench-work in the project (on disk). */
function defaultWorkDir(): string {
  if (!/\((tmpfs|ramfs),/.test(fsOf(os.tmpdir()))) return os.tmpdir();
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../.bench-work');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Modules of the fan-out workload. */
const FAN = Array.from({ length: 8 }, (_, i) => `fan${i}`);

const log = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * Where emptied trees go until the bench ends: a rename, not a delete. This machine's ext4 has no
 * journal, and ext4 without one will not reuse an inode freed in the last 60 s (360 s while its
 * inode table block is dirty): every create scans past each recently freed inode
 * (`recently_deleted()` in the kernel's ialloc.c). Deleting 10,000-file trees between runs made
 * the next run's 10,000 creates cost 7-9 s of kernel CPU instead of 0.2-0.4 s (perf: 60 % of the
 * writer's time in recently_deleted), for every system, by how recently the last tree went: the
 * burst workloads measured that, not the systems. Operators' journaled ext4 never does this check.
 */
let trashDir = '';
let trashed = 0;

/** Moves `dir`'s entries aside (into the bench's trash, same filesystem), leaving it empty. */
async function emptyDir(dir: string): Promise<void> {
  const entries = await fs.promises.readdir(dir);
  if (entries.length === 0) return;
  const aside = path.join(trashDir, String(trashed++));
  await fs.promises.mkdir(aside, { recursive: true });
  for (const e of entries) await fs.promises.rename(path.join(dir, e), path.join(aside, e));
}

/** Moves the directory itself aside (see emptyDir). */
async function setAside(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  await fs.promises.mkdir(trashDir, { recursive: true });
  await fs.promises.rename(dir, path.join(trashDir, String(trashed++)));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(opts.tmpdir, 'sersync-bench-'));
  trashDir = path.join(work, 'trash');
  const daemon = await startRsyncDaemon(work, ['bench', 'big', ...FAN], { socketNodelay: opts.serverNodelay });
  log(
    `rsync daemon on 127.0.0.1:${daemon.port}: socket options ${opts.serverNodelay ? 'TCP_NODELAY' : 'default'}; work dir ${work}`,
  );
  const src = path.join(work, 'src');
  const dst = daemon.modules['bench']!;
  const daemonLog = path.join(work, 'rsyncd.log');
  const env: Env = { src, work, daemon, module: 'bench' };
  const wanted = (name: string): boolean =>
    name.startsWith('floor') || opts.systems.length === 0 || opts.systems.some((s) => name.includes(s));
  const systemsFor = (e: Env, withNodelayFloor: boolean, withLsyncdDefault: boolean): Array<() => System> => {
    const all: Array<() => System> = [
      () => floor(e, false),
      ...(withNodelayFloor ? [() => floor(e, true)] : []),
      () => sersyncTs(e),
      ...(BEFORE ? [() => sersyncTs(e, BEFORE)] : []),
      () => lsyncd(e, 1),
    ];
    if (withLsyncdDefault && !opts.noLsyncdDefault) all.push(() => lsyncd(e, null));
    return all.filter((m) => wanted(m().name));
  };
  const rows: Row[] = [];
  const startupRows: StartupRow[] = [];
  let watcherRows: WatcherRow[] = [];
  const treesRoot = opts.keepTrees ?? work;
  const bigEnv: Env = { src: path.join(treesRoot, 'big-src'), work, daemon, module: 'big' };
  const bigDst = daemon.modules['big']!;
  const timings: string[] = [];
  // ssh workloads: an sshd of the bench's own on 127.0.0.1 (its own keys, never ~/.ssh).
  let sshd: Sshd | null = null;
  try {
    for (const w of WORKLOADS.filter((x) => opts.only.includes(x.name))) {
      const t0 = Date.now();
      let wEnv: Env = w.deleteGuard ? { ...env, deleteGuard: true } : env;
      let wDst = dst;
      let dsts = [dst];
      if (w.fanOut) {
        const mods = FAN.slice(0, w.fanOut);
        wEnv = { ...env, module: mods[0]!, modules: mods, agentArgs: ['-n', String(w.fanOut)] };
        dsts = mods.map((m) => daemon.modules[m]!);
        wDst = dsts[0]!;
      }
      if (w.ssh) {
        sshd ??= await startSshd(work);
        wDst = sshd.remoteDir('ssh-dst');
        wEnv = { ...env, ssh: { port: sshd.port, dir: wDst, env: { ...process.env, ...sshd.env } } };
        dsts = [wDst];
        log(`sshd on 127.0.0.1:${sshd.port} for ${w.name}; remote directory ${wDst}`);
      }
      const sshEnv = wEnv;
      const systems = (
        w.ssh
          ? [
              () => sshFloor(sshEnv),
              () => sersyncTs(sshEnv),
              ...(BEFORE ? [() => sersyncTs(sshEnv, BEFORE)] : []),
            ].filter((m) => wanted(m().name))
          : systemsFor(wEnv, true, true)
      ).filter((m) => !w.skip?.(m().name));
      for (let rep = 0; rep < opts.repeat; rep++) {
        for (const make of inRepeatOrder(systems, rep)) {
          await setAside(src);
          fs.mkdirSync(src);
          for (const d of dsts) await emptyDir(d);
          w.prepare(src);
          if (wEnv.ssh)
            await execa('rsync', ['-a', '--delete', '-e', `ssh -p ${wEnv.ssh.port}`, './', `127.0.0.1:${wDst}/`], {
              cwd: src,
              env: wEnv.ssh.env,
            });
          else
            for (const m of wEnv.modules ?? ['bench'])
              await execa(
                'rsync',
                [
                  '-a',
                  '--delete',
                  `--port=${daemon.port}`,
                  './',
                  `${daemon.user}@127.0.0.1::${m}`,
                  `--password-file=${daemon.passwordFile}`,
                ],
                { cwd: src },
              );
          await daemonSessionsEnded(daemonLog);
          const sys = make();
          const runStarted = Date.now();
          await sys.start();
          const runs0 = sys.rsyncRuns() ?? 0;
          const bytes0 = sys.bytesSent() ?? 0;
          const cpu0 = sys.cpuSeconds() ?? 0;
          const daemonLog0 = logSize(daemonLog);
          const sampler = new ProcSampler(() => sys.pid());
          const m = await w.run({
            src,
            dst: wDst,
            dsts,
            afterChange: (paths) => sys.afterChange(paths),
            // The floor's rsync has run when afterChange resolves: its polls start at once.
            ...(sys.pid() === null ? {} : { transferring: () => (childrenNamed(sys.pid(), 'rsync') ?? 0) > 0 }),
          });
          await new Promise((r) => setTimeout(r, 500)); // let the agent's last log lines arrive
          const sampled = sampler.stop();
          const row: Row = {
            workload: w.name,
            system: sys.name,
            rep,
            ms: m.ms,
            converged: m.converged,
            runs: sys.rsyncRuns() === null ? null : sys.rsyncRuns()! - runs0,
            bytes: sys.bytesSent() === null ? null : sys.bytesSent()! - bytes0,
            received: daemonReceived(daemonLog, daemonLog0),
            cpu: sys.cpuSeconds() === null ? null : sys.cpuSeconds()! - cpu0,
            peakRss: sampled.peakRss,
            maxRsync: sampled.maxRsync,
            ...(m.samples ? { p95: quantile(m.samples, 0.95), max: m.samples[m.samples.length - 1]! } : {}),
            ...(m.totalMs !== undefined ? { totalMs: m.totalMs } : {}),
            ...(m.bigSends !== undefined ? { bigSends: m.bigSends } : {}),
          };
          await sys.stop();
          rows.push(row);
          log(
            `${w.name} #${rep + 1} / ${sys.name}: ${row.ms.toFixed(0)} ms${row.p95 !== undefined ? ` (p95 ${row.p95.toFixed(0)}, max ${row.max!.toFixed(0)})` : ''}${row.totalMs !== undefined ? `, converged after ${row.totalMs.toFixed(0)} ms, big file sent ${row.bigSends ?? '?'}x` : ''}, ${row.runs ?? '?'} rsync runs${row.converged ? '' : ' (DID NOT CONVERGE)'} [run ${((Date.now() - runStarted) / 1000).toFixed(1)} s]`,
          );
        }
      }
      await setAside(src);
      for (const d of dsts) await emptyDir(d);
      timings.push(`${w.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (opts.only.includes('startup')) {
      const t0 = Date.now();
      startupRows.push(
        ...(await runStartup(bigEnv, bigDst, T100K, opts.repeat, systemsFor(bigEnv, false, false), log)),
      );
      timings.push(`startup (100k): ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (opts.only.includes('watchers')) {
      const t0 = Date.now();
      watcherRows = await runWatchers(bigEnv.src, T100K, opts.repeat, log);
      timings.push(`watchers: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (opts.only.includes('startup') && !opts.no1m) {
      const t0 = Date.now();
      startupRows.push(
        ...(await runStartup(bigEnv, bigDst, T1M, opts.repeat1m, systemsFor(bigEnv, false, false), log)),
      );
      timings.push(`startup (1M): ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await sshd?.stop();
    await daemon.stop();
    if (!opts.keepTrees) await dropTree(bigEnv.src);
    await execa('rm', ['-rf', '--', work]); // faster than fs.rmSync for a 1M-file mirror
  }
  timings.push(`total: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (opts.json)
    fs.writeFileSync(
      opts.json,
      JSON.stringify({ date: new Date().toISOString(), rows, startupRows, watcherRows }, null, 2),
    );
  process.stdout.write(`${report(rows, startupRows, watcherRows, opts, timings).join('\n')}\n`);
}

/** The filesystem type and mount options of the directory (from /proc/mounts), for the report. */
function fsOf(dir: string): string {
  try {
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 3);
    const real = fs.realpathSync(dir);
    const m = mounts
      .filter((f) => real === f[1] || real.startsWith(f[1] === '/' ? '/' : `${f[1]}/`))
      .sort((a, b) => b[1]!.length - a[1]!.length)[0];
    return m ? `${dir} (${m[2]}, ${m[3]})` : dir;
  } catch {
    return dir;
  }
}

function groups<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

function report(
  rows: Row[],
  startupRows: StartupRow[],
  watcherRows: WatcherRow[],
  opts: ReturnType<typeof parseArgs>,
  timings: string[],
): string[] {
  const out: string[] = [];
  out.push(
    `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${new Date().toISOString()}`,
  );
  out.push(
    `Work directory on ${fsOf(opts.tmpdir)}; rsync daemon socket options: ${opts.serverNodelay ? 'TCP_NODELAY' : 'default'}; medians over ${opts.repeat} repeat(s)${opts.only.includes('startup') && !opts.no1m ? ` (1M startup tree: ${opts.repeat1m})` : ''}.`,
  );
  out.push(`Run time: ${timings.join(', ')}.`);
  const merged = [...groups(rows, (r) => `${r.workload}\u0000${r.system}`).values()].map((g) => ({
    workload: g[0]!.workload,
    system: g[0]!.system,
    n: g.length,
    ok: g.filter((r) => r.converged).length,
    ms: median(g.map((r) => r.ms)),
    min: Math.min(...g.map((r) => r.ms)),
    maxOver: Math.max(...g.map((r) => r.ms)),
    p95: medianOf(g.map((r) => r.p95)),
    max: medianOf(g.map((r) => r.max)),
    totalMs: medianOf(g.map((r) => r.totalMs)),
    totalMin: Math.min(...g.map((r) => r.totalMs ?? NaN)),
    totalMax: Math.max(...g.map((r) => r.totalMs ?? NaN)),
    bigSends: g.map((r) => r.bigSends ?? '?').join(', '),
    runs: medianOf(g.map((r) => r.runs)),
    bytes: medianOf(g.map((r) => r.bytes)),
    received: medianOf(g.map((r) => r.received)),
    cpu: medianOf(g.map((r) => r.cpu)),
    peakRss: g.some((r) => r.peakRss !== null) ? Math.max(...g.map((r) => r.peakRss ?? 0)) : null,
    maxRsync: g.some((r) => r.maxRsync !== null) ? Math.max(...g.map((r) => r.maxRsync ?? 0)) : null,
    paired: pairedRatios(
      g,
      rows.filter((f) => f.workload === g[0]!.workload && f.system === floorOf(g[0]!.workload)),
    ),
  }));
  const find = (w: string, s: string) => merged.find((x) => x.workload === w && x.system === s);
  const conv = (x: { n: number; ok: number }): string =>
    x.ok === x.n ? 'yes' : x.ok === 0 ? '**no**' : `**${x.ok}/${x.n}**`;
  const main = merged.filter((x) => x.workload !== 'bigfile');
  if (main.length) {
    out.push('');
    out.push(
      '| workload | system | time (latency: p50) | p95 | max | time over repeats (min–max) | × floor | × floor, paired by repeat | × floor NODELAY | rsync runs | bytes sent (agent log / --stats) | daemon received | received / moved data | agent CPU s | agent peak RSS | most rsyncs at once | converged |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of main) {
      const fl = find(r.workload, floorOf(r.workload));
      const fn = find(r.workload, FLOOR_NODELAY);
      const moved = WORKLOADS.find((w) => w.name === r.workload)?.movedBytes;
      out.push(
        `| ${r.workload} | ${r.system} | ${fmtMs(r.ms)} | ${fmtMs(r.p95)} | ${fmtMs(r.max)} | ${r.n > 1 ? `${fmtMs(r.min)}–${fmtMs(r.maxOver)}` : ''} | ${ratio(r.ms, fl?.ms)} | ${r.system === fl?.system ? '' : fmtPaired(r.paired)} | ${r.workload === 'latency' ? ratio(r.ms, fn?.ms) : ''} | ${fmt(r.runs)} | ${fmt(r.bytes)} | ${fmt(r.received)} | ${moved && r.received !== null ? `${((100 * r.received) / moved).toFixed(1)} % of ${moved}` : ''} | ${fmt(r.cpu, 2)} | ${fmtMiB(r.peakRss)} | ${fmt(r.maxRsync)} | ${conv(r)} |`,
      );
    }
    const lat = find('latency', FLOOR);
    if (lat)
      out.push(
        '',
        `latency targets: p50 at most ${fmtMs(lat.ms / 2)} (half the plain floor), p95 under ${fmtMs(2 * lat.ms)} (2x the plain floor's p50).`,
      );
    const sshLat = find('ssh-latency', FLOOR_SSH);
    if (sshLat)
      out.push(
        '',
        `ssh-latency targets: p50 at most ${fmtMs(sshLat.ms / 2)} (half of one plain rsync -e ssh of the file), p95 at most ${fmtMs(sshLat.ms)} (its p50).`,
      );
  }
  const big = merged.filter((x) => x.workload === 'bigfile');
  if (big.length) {
    out.push(
      '',
      `bigfile: a ${BIGFILE.mib} MiB file written in ${BIGFILE.chunkMib} MiB chunks (one per ${BIGFILE.chunkEveryMs} ms) while ${BIGFILE.smallFiles} 4 KiB files are created, one per ${BIGFILE.smallEveryMs} ms. Latency: small file close to identical content on the remote.`,
      '',
    );
    out.push(
      '| system | small-file p50 | p95 | max | p50 × floor | p95 × floor | p50 vs own latency p50 | until remote = source | over repeats (min–max) | × floor | big file sent (each run) | rsync runs | bytes sent (agent log / --stats) | daemon received | agent CPU s | converged |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of big) {
      const fl = find('bigfile', FLOOR);
      const own = find('latency', r.system);
      out.push(
        `| ${r.system} | ${fmtMs(r.ms)} | ${fmtMs(r.p95)} | ${fmtMs(r.max)} | ${ratio(r.ms, fl?.ms)} | ${ratio(r.p95, fl?.p95)} | ${ratio(r.ms, own?.ms)} | ${fmtMs(r.totalMs)} | ${r.n > 1 ? `${fmtMs(r.totalMin)}–${fmtMs(r.totalMax)}` : ''} | ${ratio(r.totalMs, fl?.totalMs)} | ${r.bigSends} | ${fmt(r.runs)} | ${fmt(r.bytes)} | ${fmt(r.received)} | ${fmt(r.cpu, 2)} | ${conv(r)} |`,
      );
    }
  }
  if (startupRows.length) {
    out.push(
      '',
      'startup: launch to ready on a pre-synced tree, ready = a file written after launch is on the remote and every directory holds an inotify watch (/proc/PID/fdinfo); RSS and inotify watches 2 s after ready; the floor is one `rsync -a --delete` of the synced tree (nothing to send).',
      '',
    );
    out.push(
      '| tree | system | launch → ready | over repeats (min–max) | × floor | launch → says ready | self-reported | RSS after ready | VmHWM | inotify watches (dirs in tree) | CPU s to ready | ok |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const g of groups(startupRows, (r) => `${r.tree}\u0000${r.system}`).values()) {
      const r = g[0]!;
      const ms = median(g.map((x) => x.ms));
      const fl = startupRows.filter((x) => x.tree === r.tree && x.system === FLOOR);
      const ok = g.filter((x) => x.ok).length;
      out.push(
        `| ${r.tree} | ${r.system} | ${fmtMs(ms)} | ${g.length > 1 ? `${fmtMs(Math.min(...g.map((x) => x.ms)))}–${fmtMs(Math.max(...g.map((x) => x.ms)))}` : ''} | ${fl.length ? ratio(ms, median(fl.map((x) => x.ms))) : ''} | ${fmtMs(medianOf(g.map((x) => x.saidReadyMs)))} | ${fmtMs(medianOf(g.map((x) => x.selfReportedMs)))} | ${fmtMiB(medianOf(g.map((x) => x.rss)))} | ${fmtMiB(medianOf(g.map((x) => x.hwm)))} | ${fmt(medianOf(g.map((x) => x.watches)))}${r.system === FLOOR ? '' : ` (${r.expectedWatches})`} | ${fmt(medianOf(g.map((x) => x.cpuToReady)), 2)} | ${ok === g.length ? 'yes' : `**${ok}/${g.length}**`}${r.note && ok !== g.length ? ` ${r.note}` : ''} |`,
      );
    }
  }
  out.push(...targets(merged, startupRows), ...againstBefore(rows));
  if (watcherRows.length) {
    out.push(
      '',
      `watchers: ${BURST.toLocaleString('en-US')} new files written by another process, round-robin over the 5,000 leaf dirs of the 100k tree; each watcher in its own process.`,
      '',
    );
    out.push(
      '| watcher | ready | launch → ready | inotify watches | RSS at ready | RSS after burst | VmHWM | missed (each run) | last event after burst end | CPU s for the burst | errors |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const g of groups(watcherRows, (r) => r.watcher).values()) {
      out.push(
        `| ${g[0]!.watcher} | ${fmtMs(median(g.map((x) => x.readyMs)))} | ${fmtMs(median(g.map((x) => x.launchToReadyMs)))} | ${fmt(medianOf(g.map((x) => x.watches)))} | ${fmtMiB(medianOf(g.map((x) => x.rssReady)))} | ${fmtMiB(medianOf(g.map((x) => x.rssAfter)))} | ${fmtMiB(medianOf(g.map((x) => x.hwm)))} | ${g.map((x) => x.missed).join(', ')} / ${BURST} | ${fmtMs(medianOf(g.map((x) => x.lastAfterEndMs)))} | ${fmt(medianOf(g.map((x) => x.cpuBurst)), 2)} | ${g.map((x) => x.errors).join(', ')} |`,
      );
    }
  }
  return out;
}

interface Merged {
  workload: string;
  system: string;
  ms: number;
  p95: number | null;
  totalMs: number | null;
  bigSends: string;
  runs: number | null;
  bytes: number | null;
  received: number | null;
  cpu: number | null;
  maxRsync: number | null;
  peakRss: number | null;
  /** Its time over the floor's, repeat by repeat (stats.ts pairedRatios). */
  paired: readonly number[];
}

/** The floor a workload's times are divided by. */
const floorOf = (workload: string): string => (workload === 'ssh-latency' ? FLOOR_SSH : FLOOR);

/**
 * With an older build in the run (BENCH_BEFORE_CLI): this build's time minus the older one's,
 * repeat by repeat (stats.ts pairedDiffs). A change smaller than the spread between repeats shows
 * here before it shows in two medians. (The startup rows carry no repeat number: not here.)
 */
function againstBefore(rows: readonly Row[]): string[] {
  const older = BEFORE?.name;
  if (older === undefined) return [];
  const lines: string[] = [];
  for (const g of groups(
    rows.filter((r) => r.system === 'sersync-ts'),
    (r) => r.workload,
  ).values()) {
    const before = rows.filter((r) => r.workload === g[0]!.workload && r.system === older);
    const diffs = pairedDiffs(g, before);
    if (diffs.length === 0) continue;
    const cpu = (rs: readonly Row[]): string => fmt(medianOf(rs.map((r) => r.cpu)), 2);
    lines.push(`| ${g[0]!.workload} | ${fmtDiffs(diffs)} | ${cpu(g)} / ${cpu(before)} |`);
  }
  if (lines.length === 0) return [];
  return [
    '',
    `sersync-ts against ${older}, paired by repeat (this build's time minus the older one's):`,
    '',
    '| workload | difference: median (mean; repeats each way) | agent CPU s: this / older |',
    '|---|---|---|',
    ...lines,
  ];
}

/** The speed targets of issue #5, checked for sersync-ts against the floor of the same run. */
function targets(merged: readonly Merged[], startupRows: readonly StartupRow[]): string[] {
  const get = (w: string, s: string): Merged | undefined => merged.find((x) => x.workload === w && x.system === s);
  const out: string[] = [];
  const line = (what: string, value: string, met: boolean | null): void =>
    void out.push(`| ${what} | ${value} | ${met === null ? '–' : met ? 'met' : '**missed**'} |`);
  const ts = (w: string): Merged | undefined => get(w, 'sersync-ts');
  /** A target of the form "a ≤ factor × b" (milliseconds; a missing a is missed). */
  const atMost = (what: string, a: number | null | undefined, b: number, factor: number, note = ''): void =>
    line(what, `${fmtMs(a)} vs ${fmtMs(b)}: ${ratio(a, b)}${note}`, (a ?? Infinity) <= factor * b);
  const lat = ts('latency');
  const latFloor = get('latency', FLOOR);
  if (lat && latFloor) {
    atMost('latency p50 ≤ 0.3x plain floor p50 (issue #21)', lat.ms, latFloor.ms, 0.3);
    atMost('latency p50 ≤ 0.5x plain floor p50', lat.ms, latFloor.ms, 0.5);
    atMost('latency p95 ≤ 2x plain floor p50', lat.p95, latFloor.ms, 2);
  }
  const sshLat = ts('ssh-latency');
  const sshFl = get('ssh-latency', FLOOR_SSH);
  if (sshLat && sshFl) {
    atMost('ssh-latency p50 ≤ 0.5x one plain rsync -e ssh (p50)', sshLat.ms, sshFl.ms, 0.5);
    const vsP95 = ` (vs its p95 ${fmtMs(sshFl.p95)}: ${ratio(sshLat.p95, sshFl.p95)})`;
    atMost('ssh-latency p95 ≤ 1x one plain rsync -e ssh (p50)', sshLat.p95, sshFl.ms, 1, vsP95);
  }
  const within = (w: string, x: number, extra?: (m: Merged) => [string, boolean]): void => {
    const m = ts(w);
    const f = get(w, FLOOR);
    if (!m || !f) return;
    const e = extra?.(m);
    line(
      `${w} ≤ ${x}x floor${e ? `, ${e[0]}` : ''}`,
      `${fmtMs(m.ms)} vs ${fmtMs(f.ms)}: ${ratio(m.ms, f.ms)}${m.paired.length > 1 ? ` (paired by repeat: ${fmtPaired(m.paired)})` : ''}${m.runs !== null ? `, ${fmt(m.runs)} rsync runs` : ''}${w === 'rename' && m.bytes !== null ? `, ${((100 * m.bytes) / (2000 * 4096)).toFixed(1)} % of the moved data sent (daemon received ${fmt(m.received)} B)` : ''}`,
      m.ms <= x * f.ms && (e ? e[1] : true),
    );
  };
  within('burst-create', 1.2, (m) => ['≤ 20 rsync runs', (m.runs ?? Infinity) <= 20]);
  within('fanout', 1.2, (m) => [
    `never more than ${FAN.length} rsyncs at once (-n ${FAN.length})`,
    m.maxRsync !== null && m.maxRsync <= FAN.length,
  ]);
  // Issue #21's targets (the earlier ones were 2x, 3x and 2x).
  within('burst-modify', 1.2);
  within('burst-delete', 1.2);
  within('rename', 1.0, (m) => ['< 10 % of the moved data sent', m.bytes !== null && m.bytes < 0.1 * 2000 * 4096]);
  const big = ts('bigfile');
  if (big)
    line(
      'bigfile: small files keep their normal latency',
      `small-file p50 ${fmtMs(big.ms)}, p95 ${fmtMs(big.p95)}${lat ? `; latency workload p50 ${fmtMs(lat.ms)}, p95 ${fmtMs(lat.p95)}` : ''}`,
      null,
    );
  const bigFloor = get('bigfile', FLOOR);
  if (big && bigFloor && big.totalMs !== null && bigFloor.totalMs !== null) {
    const once = big.bigSends.split(', ').every((n) => n === '1');
    line(
      'bigfile: converge ≤ 1.2x floor, the big file sent once',
      `${fmtMs(big.totalMs)} vs ${fmtMs(bigFloor.totalMs)}: ${ratio(big.totalMs, bigFloor.totalMs)}; big file sent ${big.bigSends} time(s)`,
      big.totalMs <= 1.2 * bigFloor.totalMs && once,
    );
  }
  // Issue #21's startup targets (ready as the operator sees it): 100k ready ≤ 0.8 s with RSS ≤ 80 MB; 1M (issue #12) ready ≤ 5 s with RSS ≤ 150 MiB.
  for (const [tree, maxMs, maxRss, rssText] of [
    [T100K.name, 800, 80e6, '80 MB'],
    [T1M.name, 5000, 150 * 2 ** 20, '150 MiB'],
  ] as const) {
    const rows = startupRows.filter((r) => r.tree === tree && r.system === 'sersync-ts');
    if (!rows.length) continue;
    const ms = median(rows.map((r) => r.ms));
    const rss = medianOf(rows.map((r) => r.rss));
    const watches = medianOf(rows.map((r) => r.watches));
    let limit = NaN;
    try {
      limit = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
    } catch {
      /* not Linux */
    }
    line(
      `startup ${tree}: ready ≤ ${maxMs / 1000} s`,
      `launch to ready ${fmtMs(ms)} (self-reported ${fmtMs(medianOf(rows.map((r) => r.selfReportedMs)))})`,
      ms <= maxMs,
    );
    line(
      `startup ${tree}: RSS ≤ ${rssText}`,
      `${rss === null ? '?' : (rss / 1e6).toFixed(1)} MB (${fmtMiB(rss)})`,
      rss !== null && rss <= maxRss,
    );
    if (tree === T1M.name)
      line(
        `startup ${tree}: within the default inotify watch limit`,
        `${fmt(watches)} watches, max_user_watches here ${limit}`,
        watches !== null && watches <= limit,
      );
  }
  const bursts = ['burst-create', 'burst-modify', 'burst-delete', 'rename', 'deploy', 'fanout']
    .map((w) => ts(w))
    .filter((m): m is Merged => m !== undefined && m.peakRss !== null);
  if (bursts.length) {
    const peak = Math.max(...bursts.map((m) => m.peakRss!));
    line(
      'peak RSS during every burst ≤ 80 MB',
      `${(peak / 1e6).toFixed(1)} MB (${bursts.map((m) => `${m.workload} ${fmtMiB(m.peakRss)}`).join(', ')})`,
      peak <= 80e6,
    );
  }
  for (const w of ['burst-create', 'burst-modify', 'burst-delete', 'rename']) {
    const m = ts(w);
    const peers = merged.filter((x) => x.workload === w && x.system.startsWith('lsyncd') && x.cpu !== null);
    if (!m || m.cpu === null || !peers.length) continue;
    const least = Math.min(...peers.map((p) => p.cpu!));
    line(
      `${w}: agent CPU ≤ lsyncd's`,
      `${fmt(m.cpu, 2)} s vs lsyncd ${peers.map((p) => `${fmt(p.cpu, 2)} s ${p.system.replace('lsyncd ', '')}`).join(', ')}`,
      m.cpu <= least,
    );
  }
  if (!out.length) return [];
  return [
    '',
    'Targets of issues #5, #12 and #21 for sersync-ts (medians of this run):',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...out,
  ];
}

await main();
