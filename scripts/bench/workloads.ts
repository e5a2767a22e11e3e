import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { sameTree } from '../../test/helpers/tree.js';
import { TRACE, VERSIONS_DIR } from './systems.js';

/** One measured workload run. */
export interface Measurement {
  /** Wall time from the start of the change to remote == source (ms), or the latency p50. */
  readonly ms: number;
  readonly samples?: readonly number[];
  readonly converged: boolean;
  /** bigfile: from the start of the writes to remote == source (ms). */
  readonly totalMs?: number;
  /** bigfile: transfers of the big file the remote saw (rsync's temporary `.big.bin.XXXXXX` files). */
  readonly bigSends?: number;
}

export interface WorkloadCtx {
  readonly src: string;
  readonly dst: string;
  /** Every remote directory the root goes to (fan-out: 8; else just `dst`). */
  readonly dsts: readonly string[];
  /** The floor runs its rsync here (of the tree, or of just `paths`); agents ignore it. */
  readonly afterChange: (paths?: readonly string[]) => Promise<void>;
  /**
   * The system under test has an rsync running now (absent for the floor, whose rsync has run
   * when afterChange resolves). Convergence polls wait for it to end: a poll
   * is a full `rsync -an` of the tree, and one running beside the system's own rsync took CPU
   * from it on 2 cores (the agent's 5,000-file run took 2.65 s beside the poller against the
   * floor's 2.0 s alone). The time is still that of a poll that found the remote equal.
   */
  readonly transferring?: () => boolean;
}

export interface Workload {
  readonly name: string;
  /** Builds the starting tree (identical for every system; the remote is synced to it first). */
  prepare(src: string): void;
  run(ctx: WorkloadCtx): Promise<Measurement>;
  /** Bytes the change moved (rename), to show bytes sent as a share of it. */
  readonly movedBytes?: number;
  /** Systems to leave out (too slow to be worth it, e.g. lsyncd's 15 s delay per latency sample). */
  readonly skip?: (system: string) => boolean;
  /** Over ssh to the bench's own sshd (bench/ssh-env.ts) instead of the rsync daemon. */
  readonly ssh?: boolean;
  /** Fan-out: the root goes to this many daemon modules (fan0..fanN-1), the agent runs with `-n N`. */
  readonly fanOut?: number;
  /** The agent keeps `<deleteGuard>`'s defaults, as an operator's config does (the other workloads turn it off). */
  readonly deleteGuard?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls without a run of the system's rsync seen to end: a safety net (see PollGate). */
export const IDLE_POLL_MS = 500;

/**
 * When a convergence poll is worth its CPU. A poll is a full `rsync -an` of the tree (a 10,000-file
 * tree: about 0.1 s of CPU in three processes), and polls every 5 ms while an agent's watcher and
 * batch were still at work took a core of 2 from it, where the floor's rsync ran with no poller
 * at all (a traced burst-delete: the agent's watcher delivered its 3,000 events 238 ms after the
 * rm, alone in 17 ms). The remote changes only while the system's rsync runs, so a poll is due
 * after each run of the system's rsync ends, and otherwise every IDLE_POLL_MS from the end of the
 * change (a run too short to be seen between two checks). Not at once: that first poll came while
 * the agent's watcher and look were at work on the change, a poll the floor never had beside its
 * own rsync (burst-delete, 3 pairs: 474-519 ms without it against 524-565 ms with it). The floor
 * has no `transferring` (its rsync has run before the polls start): it polls at once.
 */
class PollGate {
  private running = false;
  private ended = false;

  /** performance.now() of the last poll; the first is IDLE_POLL_MS after the gate is made (the change's end). */
  private last = performance.now();

  constructor(private readonly transferring: () => boolean) {}

  due(): boolean {
    if (this.transferring()) {
      this.running = true;
      return false;
    }
    if (this.running) [this.running, this.ended] = [false, true];
    const now = performance.now();
    if (!this.ended && now - this.last < IDLE_POLL_MS) return false;
    [this.ended, this.last] = [false, now];
    return true;
  }
}

/**
 * Converged when a local `rsync -an --delete -i` (size and mtime, as every system here preserves
 * times) finds nothing to do: cheap enough to poll a 10,000-file tree, unlike hashing. A content
 * comparison then confirms it; it is not part of the measured time (hashing both trees takes
 * 0.1-0.4 s for 10,000 files, seconds for a 1 GiB file). Polls when PollGate says one is due
 * (`transferring` unknown: every `pollMs`). Resolves to the performance.now() of the check that
 * passed, or null when the remote did not converge in time.
 */
export async function untilSame(
  src: string,
  dst: string,
  timeoutMs: number,
  pollMs = 5,
  transferring?: () => boolean,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  const gate = transferring ? new PollGate(transferring) : null;
  while (Date.now() < deadline) {
    if (gate && !gate.due()) {
      await sleep(pollMs);
      continue;
    }
    const { at, diff } = await sameNow(src, dst);
    if (at !== null) return at;
    if (Date.now() + pollMs >= deadline)
      process.stderr.write(`not converged; rsync -an says:\n${diff.split('\n').slice(0, 10).join('\n')}\n`);
    await sleep(pollMs);
  }
  return null;
}

/** One check of untilSame: the performance.now() of a check that found dst equal to src, or null. */
async function sameNow(src: string, dst: string): Promise<{ at: number | null; diff: string }> {
  // A receiver's <versions> directory (BENCH_VERSIONS=1) is not part of the mirror.
  // Its first bucket also bumps the receiver root's mtime (a new entry there): not data, as in verify.
  const dirTimes = process.env['BENCH_VERSIONS'] === '1' ? ['--omit-dir-times'] : [];
  const r = await execa(
    'rsync',
    ['-an', '--delete', '-i', ...dirTimes, `--exclude=/${VERSIONS_DIR}`, `${src}/`, `${dst}/`],
    { reject: false },
  );
  const at = performance.now();
  const same =
    r.exitCode === 0 &&
    String(r.stdout).trim() === '' &&
    sameTree(src, dst, (rel) => rel === VERSIONS_DIR || rel.startsWith(`${VERSIONS_DIR}/`));
  return { at: same ? at : null, diff: String(r.stdout) };
}

/**
 * untilSame for several remotes, checked round-robin (so a remote's time is at most one round
 * late): the performance.now() at which the slowest was seen equal, or null on a timeout.
 */
async function untilAllSame(
  src: string,
  dsts: readonly string[],
  timeoutMs: number,
  transferring?: () => boolean,
): Promise<number | null> {
  if (dsts.length === 1) return untilSame(src, dsts[0]!, timeoutMs, 5, transferring);
  const deadline = Date.now() + timeoutMs;
  const gate = transferring ? new PollGate(transferring) : null;
  let pending = [...dsts];
  let last = 0;
  while (pending.length && Date.now() < deadline) {
    if (gate && !gate.due()) {
      await sleep(5);
      continue;
    }
    const still: string[] = [];
    for (const d of pending) {
      const { at } = await sameNow(src, d);
      if (at === null) still.push(d);
      else last = Math.max(last, at);
    }
    pending = still;
    if (pending.length) await sleep(5);
  }
  return pending.length ? null : last;
}

/** Time from the change to remote == source (every remote: the slowest). */
async function timed(ctx: WorkloadCtx, change: () => void, timeoutMs = 60_000): Promise<Measurement> {
  // From the first change: an agent may sync while the burst is still being written.
  const t0 = performance.now();
  const wall0 = new Date();
  change();
  const t1 = performance.now();
  // The agent's log lines carry wall-clock times: the change's, to line them up (BENCH_TRACE=1).
  if (TRACE) process.stderr.write(`  change from ${wall0.toISOString()} to ${new Date().toISOString()}\n`);
  await ctx.afterChange();
  const t2 = performance.now();
  const at = await untilAllSame(ctx.src, ctx.dsts, timeoutMs, ctx.transferring);
  process.stderr.write(
    `  the change took ${(t1 - t0).toFixed(0)} ms${t2 - t1 > 1 ? `, the floor's rsync ${(t2 - t1).toFixed(0)} ms` : ''}\n`,
  );
  return { ms: (at ?? performance.now()) - t0, converged: at !== null };
}

const FOUR_K = Buffer.alloc(4096, 'x');
const ONE_K = Buffer.alloc(1024, 'x');
const NEW_K = Buffer.alloc(1024, 'n');

function tree(src: string, dirs: number, files: number, content: Buffer = FOUR_K): void {
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < files; f++) fs.writeFileSync(path.join(src, `d${d}`, `f${f}`), content);
  }
}

/** Single edits per latency run (bench --quick: 10). */
export const LATENCY = { samples: 30 };

/**
 * 30 single 4 KiB edits, 0.5 s apart: from each write to identical content on the remote.
 * `onePath`: the floor sends just that file (`rsync -a -R latN`), else the tree (`rsync -a --delete ./`).
 */
async function singleEdits(ctx: WorkloadCtx, onePath: boolean): Promise<Measurement> {
  const samples: number[] = [];
  let converged = true;
  for (let i = 0; i < LATENCY.samples; i++) {
    const file = path.join(ctx.src, `lat${i}`);
    const content = Buffer.concat([FOUR_K.subarray(0, 4000), Buffer.from(`${i}`.padStart(96, '0'))]);
    fs.writeFileSync(file, content);
    const t0 = performance.now();
    await ctx.afterChange(onePath ? [`lat${i}`] : undefined);
    const remote = path.join(ctx.dst, `lat${i}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if (fs.readFileSync(remote).equals(content)) break;
      } catch {
        /* not there yet */
      }
      if (Date.now() > deadline) {
        converged = false;
        break;
      }
      await sleep(1);
    }
    samples.push(performance.now() - t0);
    await sleep(500);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, samples, converged };
}

export const WORKLOADS: Workload[] = [
  {
    name: 'latency',
    skip: (system) => system.startsWith('lsyncd (default'), // 15 s per sample
    prepare: (src) => tree(src, 1, 10),
    run: (ctx) => singleEdits(ctx, false),
  },
  {
    // Over ssh: the floor is one plain `rsync -a -e ssh` of the edited file, run the same way.
    name: 'ssh-latency',
    ssh: true,
    prepare: (src) => tree(src, 1, 10),
    run: (ctx) => singleEdits(ctx, true),
  },
  {
    name: 'burst-create',
    prepare: () => {},
    run: (ctx) => timed(ctx, () => tree(ctx.src, 100, 100)),
  },
  {
    name: 'burst-modify',
    prepare: (src) => tree(src, 100, 50),
    run: (ctx) =>
      timed(ctx, () => {
        for (let d = 0; d < 100; d++)
          for (let f = 0; f < 50; f++) fs.appendFileSync(path.join(ctx.src, `d${d}`, `f${f}`), 'appended\n');
      }),
  },
  {
    name: 'burst-delete',
    prepare: (src) => tree(src, 100, 31),
    run: (ctx) =>
      timed(ctx, () => {
        for (let d = 0; d < 100; d++) for (let f = 0; f < 30; f++) fs.unlinkSync(path.join(ctx.src, `d${d}`, `f${f}`));
        fs.mkdirSync(path.join(ctx.src, 'gone'));
        for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(ctx.src, 'gone', `g${f}`), FOUR_K);
        fs.rmSync(path.join(ctx.src, 'gone'), { recursive: true });
      }),
  },
  {
    name: 'rename',
    movedBytes: 2000 * 4096,
    prepare: (src) => {
      tree(src, 1, 1000);
      fs.mkdirSync(path.join(src, 'movedir'));
      for (let f = 0; f < 1000; f++) fs.writeFileSync(path.join(src, 'movedir', `m${f}`), FOUR_K);
    },
    run: (ctx) =>
      timed(ctx, () => {
        for (let f = 0; f < 1000; f++)
          fs.renameSync(path.join(ctx.src, 'd0', `f${f}`), path.join(ctx.src, 'd0', `renamed${f}`));
        fs.renameSync(path.join(ctx.src, 'movedir'), path.join(ctx.src, 'movedir2'));
      }),
  },
  {
    // A release put over a web root, with the agent configured as an operator's is: the default
    // <deleteGuard> holds removals until 1 s after the last one (REMOVAL_QUIET_MS) while the new
    // files ship. A third of 30,000 files replaced by new names, under the brake's 50 %.
    name: 'deploy',
    deleteGuard: true,
    prepare: (src) => tree(src, 100, 300, ONE_K),
    run: (ctx) =>
      timed(ctx, () => {
        for (let d = 0; d < 100; d++) {
          for (let f = 0; f < 100; f++) fs.unlinkSync(path.join(ctx.src, `d${d}`, `f${f}`));
          for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(ctx.src, `d${d}`, `new${f}`), NEW_K);
        }
      }),
  },
  {
    // One root to 8 modules: the agent's 8 lanes against 8 plain rsyncs started together.
    name: 'fanout',
    fanOut: 8,
    prepare: () => {},
    run: (ctx) => timed(ctx, () => tree(ctx.src, 50, 100)),
  },
  {
    name: 'bigfile',
    prepare: (src) => {
      // Both in subdirectories: the root's own mtime does not change, so the floor's
      // `rsync -R small/sN` and `rsync -R big/big.bin` leave nothing behind.
      fs.mkdirSync(path.join(src, 'small'));
      fs.writeFileSync(path.join(src, 'small', 'keep'), FOUR_K);
      fs.mkdirSync(path.join(src, 'big'));
    },
    run: bigfile,
  },
];

const BIG_WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bigfile-writer.js');
/** 200 MiB in 8 MiB chunks, one every 80 ms: about 2 s. The small files span 3 s (the write and a second more). */
export const BIGFILE = { mib: 200, chunkMib: 8, chunkEveryMs: 80, smallFiles: 375, smallEveryMs: 8 };

/**
 * bigfile: a child process writes a 200 MiB file (8 MiB every 80 ms, about 2 s) while this
 * process creates 375 small 4 KiB files, one every 8 ms (about 3 s), starting when the big
 * file is opened. Small-file latency: from each file's close to identical content on the remote
 * (seen by an fs.watch on the remote directory, plus a sweep every 250 ms); p50/p95/max over the
 * 375. totalMs: from the start until the remote equals the source. bigSends: how many times the
 * big file was transferred, counted as the distinct temporary files rsync's receiver creates
 * next to it (`.big.bin.XXXXXX`, one per transfer that sends data), seen by an fs.watch on the
 * remote `big/`. The floor sends each small file with `rsync -a -R small/...` right after it is
 * written, or right after the floor's previous small-file rsync ends (with every small file
 * written meanwhile), and big/big.bin with one `rsync -a -R` of its own when the big file is
 * closed (see floor() in systems.ts).
 */
async function bigfile(ctx: WorkloadCtx): Promise<Measurement> {
  const remoteSmall = path.join(ctx.dst, 'small');
  const pending = new Map<string, { content: Buffer; t: number }>();
  const samples: number[] = [];
  const trace: string[] = [];
  let t0 = performance.now();
  const check = (name: string): void => {
    const p = pending.get(name);
    if (!p) return;
    try {
      if (fs.readFileSync(path.join(remoteSmall, name)).equals(p.content)) {
        samples.push(performance.now() - p.t);
        if (TRACE)
          trace.push(
            `${name} written +${(p.t - t0).toFixed(0)} ms, arrived +${(performance.now() - t0).toFixed(0)} ms`,
          );
        pending.delete(name);
      }
    } catch {
      /* not there yet */
    }
  };
  const watcher = fs.watch(remoteSmall, (_ev, name) => {
    if (name) check(String(name));
  });
  const bigTemps = new Set<string>();
  const bigWatcher = fs.watch(path.join(ctx.dst, 'big'), (_ev, name) => {
    if (name && String(name).startsWith('.big.bin.')) bigTemps.add(String(name));
  });
  const sweep = setInterval(() => {
    if (pending.size === 0) return;
    for (const n of fs.readdirSync(remoteSmall)) check(n);
  }, 250);
  const floorRuns: Promise<void>[] = [];
  try {
    const writer = spawn(
      process.execPath,
      [
        BIG_WRITER,
        path.join(ctx.src, 'big', 'big.bin'),
        String(BIGFILE.mib),
        String(BIGFILE.chunkMib),
        String(BIGFILE.chunkEveryMs),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((r) => writer.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (b: Buffer) => b.toString().includes('open') && resolve());
      void exited.then((code) => reject(new Error(`bigfile writer exited (${code}) before it opened the file`)));
    });
    t0 = performance.now();
    void exited.then((code) => {
      if (code !== 0) process.stderr.write(`bigfile writer exit ${code}\n`);
      process.stderr.write(`  big file written in ${(performance.now() - t0).toFixed(0)} ms\n`);
      floorRuns.push(ctx.afterChange(['big/big.bin']));
    });
    for (let i = 0; i < BIGFILE.smallFiles; i++) {
      const due = t0 + i * BIGFILE.smallEveryMs;
      const wait = due - performance.now();
      // Yield even when late, so fs.watch callbacks and child exits are handled on time.
      await (wait > 0 ? sleep(wait) : new Promise((r) => setImmediate(r)));
      const name = `s${i}`;
      const content = Buffer.concat([FOUR_K.subarray(0, 4000), Buffer.from(`${i}`.padStart(96, '0'))]);
      fs.writeFileSync(path.join(ctx.src, 'small', name), content);
      pending.set(name, { content, t: performance.now() });
      floorRuns.push(ctx.afterChange([`small/${name}`]));
    }
    await exited;
    const deadline = Date.now() + 120_000;
    while (pending.size > 0 && Date.now() < deadline) await sleep(20);
    const unseen = pending.size;
    for (const p of pending.values()) samples.push(performance.now() - p.t);
    await Promise.all(floorRuns);
    const at = await untilSame(ctx.src, ctx.dst, Math.max(1000, deadline - Date.now()), 20);
    samples.sort((a, b) => a - b);
    if (unseen > 0) process.stderr.write(`  ${unseen} small files never arrived\n`);
    if (TRACE) process.stderr.write(`${trace.filter((_, i) => i % 25 === 0).join('\n')}\n`);
    return {
      ms: samples[Math.floor(samples.length / 2)]!,
      samples,
      converged: at !== null && unseen === 0,
      totalMs: (at ?? performance.now()) - t0,
      bigSends: bigTemps.size,
    };
  } finally {
    watcher.close();
    bigWatcher.close();
    clearInterval(sweep);
  }
}
