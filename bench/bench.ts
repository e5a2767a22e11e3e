/**
 * `npm run bench`: sersync-ts against lsyncd and the rsync floor, one after another in the same
 * run, on identical trees, against a local rsync daemon on 127.0.0.1. Prints a table with ratios
 * to the floor. Not a test: it asserts nothing about speed.
 * Usage: node dist/bench/bench.js [workload ...] [--no-lsyncd-default]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startRsyncDaemon } from '../test/helpers/rsyncd.js';
import { floor, lsyncd, sersyncTs, type Env, type System } from './systems.js';
import { WORKLOADS } from './workloads.js';

interface Row {
  workload: string;
  system: string;
  ms: number;
  p95?: number;
  max?: number;
  converged: boolean;
  runs: number | null;
  bytes: number | null;
  cpu: number | null;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  const skipSlowLsyncd = args.includes('--no-lsyncd-default');
  // The daemon's own socket options decide whether small transfers stall on delayed ACKs.
  const serverNodelay = args.includes('--server-nodelay');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-bench-'));
  const daemon = await startRsyncDaemon(work, ['bench'], { socketNodelay: serverNodelay });
  process.stderr.write(`rsync daemon: socket options ${serverNodelay ? 'TCP_NODELAY' : 'default'}\n`);
  const src = path.join(work, 'src');
  const dst = daemon.modules['bench']!;
  const env: Env = { src, work, daemon, module: 'bench' };
  const systems: Array<() => System> = [() => floor(env, false), () => floor(env, true), () => sersyncTs(env), () => lsyncd(env, 1)];
  if (!skipSlowLsyncd) systems.push(() => lsyncd(env, null));
  const rows: Row[] = [];
  try {
    for (const w of WORKLOADS.filter((x) => only.length === 0 || only.includes(x.name))) {
      for (const make of systems) {
        if (w.name === 'latency' && make().name.startsWith('lsyncd (default')) continue; // 15 s per sample
        fs.rmSync(src, { recursive: true, force: true });
        fs.mkdirSync(src);
        for (const e of fs.readdirSync(dst)) fs.rmSync(path.join(dst, e), { recursive: true, force: true });
        w.prepare(src);
        await execa('rsync', ['-a', '--delete', `--port=${daemon.port}`, './', `${daemon.user}@127.0.0.1::bench`, `--password-file=${daemon.passwordFile}`], { cwd: src });
        const sys = make();
        await sys.start();
        const runs0 = sys.rsyncRuns() ?? 0;
        const bytes0 = sys.bytesSent() ?? 0;
        const cpu0 = sys.cpuSeconds() ?? 0;
        const m = await w.run({ src, dst, afterChange: () => sys.afterChange() });
        await new Promise((r) => setTimeout(r, 500)); // let the agent's last log lines arrive
        const row: Row = {
          workload: w.name,
          system: sys.name,
          ms: m.ms,
          converged: m.converged,
          runs: sys.rsyncRuns() === null ? null : sys.rsyncRuns()! - runs0,
          bytes: sys.bytesSent() === null ? null : sys.bytesSent()! - bytes0,
          cpu: sys.cpuSeconds() === null ? null : sys.cpuSeconds()! - cpu0,
          ...(m.samples ? { p95: m.samples[Math.floor(m.samples.length * 0.95)]!, max: m.samples[m.samples.length - 1]! } : {}),
        };
        await sys.stop();
        rows.push(row);
        process.stderr.write(`${w.name} / ${sys.name}: ${row.ms.toFixed(0)} ms${row.converged ? '' : ' (DID NOT CONVERGE)'}\n`);
      }
    }
  } finally {
    await daemon.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(rows);
}

function printTable(rows: Row[]): void {
  const out: string[] = [];
  out.push(`rsync daemon socket options: ${process.argv.includes('--server-nodelay') ? 'TCP_NODELAY' : 'default'}`);
  out.push(`Machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; ${new Date().toISOString()}`);
  out.push('');
  out.push('| workload | system | time (p50 for latency) | p95 | max | ratio to floor | rsync runs | bytes sent | agent CPU s | converged |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const fl = rows.find((x) => x.workload === r.workload && x.system === 'floor (rsync -a)');
    const ratio = fl ? (r.ms / fl.ms).toFixed(2) : '';
    const f = (n: number | undefined | null, d = 0): string => (n === undefined || n === null ? '' : n.toFixed(d));
    out.push(`| ${r.workload} | ${r.system} | ${f(r.ms)} ms | ${r.p95 !== undefined ? `${f(r.p95)} ms` : ''} | ${r.max !== undefined ? `${f(r.max)} ms` : ''} | ${ratio} | ${f(r.runs)} | ${f(r.bytes)} | ${f(r.cpu, 2)} | ${r.converged ? 'yes' : '**no**'} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
