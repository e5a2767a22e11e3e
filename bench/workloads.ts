import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { sameTree } from '../test/helpers/tree.js';

/** One measured workload run. */
export interface Measurement {
  /** Wall time from the start of the change to remote == source (ms), or the latency p50. */
  readonly ms: number;
  readonly samples?: readonly number[];
  readonly converged: boolean;
}

export interface WorkloadCtx {
  readonly src: string;
  readonly dst: string;
  /** The floor runs its rsync here; agents ignore it. */
  readonly afterChange: () => Promise<void>;
}

export interface Workload {
  readonly name: string;
  /** Builds the starting tree (identical for every system; the remote is synced to it first). */
  prepare(src: string): void;
  run(ctx: WorkloadCtx): Promise<Measurement>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Converged when a local `rsync -an --delete -i` (size and mtime, as every system here preserves
 * times) finds nothing to do: cheap enough to poll a 10,000-file tree every few ms, unlike hashing.
 * A final content comparison then confirms it.
 */
async function untilSame(src: string, dst: string, timeoutMs: number, pollMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await execa('rsync', ['-an', '--delete', '-i', `${src}/`, `${dst}/`], { reject: false });
    if (r.exitCode === 0 && String(r.stdout).trim() === '') return sameTree(src, dst);
    if (Date.now() + pollMs >= deadline) process.stderr.write(`not converged; rsync -an says:\n${String(r.stdout).split('\n').slice(0, 10).join('\n')}\n`);
    await sleep(pollMs);
  }
  return false;
}

/** Time from the change to remote == source. */
async function timed(ctx: WorkloadCtx, change: () => void, timeoutMs = 30_000): Promise<Measurement> {
  // From the first change: an agent may sync while the burst is still being written.
  const t0 = performance.now();
  change();
  await ctx.afterChange();
  const converged = await untilSame(ctx.src, ctx.dst, timeoutMs);
  return { ms: performance.now() - t0, converged };
}

const FOUR_K = Buffer.alloc(4096, 'x');

function tree(src: string, dirs: number, files: number): void {
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < files; f++) fs.writeFileSync(path.join(src, `d${d}`, `f${f}`), FOUR_K);
  }
}

export const WORKLOADS: Workload[] = [
  {
    name: 'latency',
    prepare: (src) => tree(src, 1, 10),
    async run(ctx) {
      const samples: number[] = [];
      let converged = true;
      for (let i = 0; i < 30; i++) {
        const file = path.join(ctx.src, `lat${i}`);
        const content = Buffer.concat([FOUR_K.subarray(0, 4000), Buffer.from(`${i}`.padStart(96, '0'))]);
        fs.writeFileSync(file, content);
        const t0 = performance.now();
        await ctx.afterChange();
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
    },
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
        for (let d = 0; d < 100; d++) for (let f = 0; f < 50; f++) fs.appendFileSync(path.join(ctx.src, `d${d}`, `f${f}`), 'appended\n');
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
    prepare: (src) => {
      tree(src, 1, 1000);
      fs.mkdirSync(path.join(src, 'movedir'));
      for (let f = 0; f < 1000; f++) fs.writeFileSync(path.join(src, 'movedir', `m${f}`), FOUR_K);
    },
    run: (ctx) =>
      timed(ctx, () => {
        for (let f = 0; f < 1000; f++) fs.renameSync(path.join(ctx.src, 'd0', `f${f}`), path.join(ctx.src, 'd0', `renamed${f}`));
        fs.renameSync(path.join(ctx.src, 'movedir'), path.join(ctx.src, 'movedir2'));
      }),
  },
];
