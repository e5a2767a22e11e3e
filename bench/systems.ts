import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { configXml, CLI } from '../test/helpers/agent.js';
import type { RsyncDaemon } from '../test/helpers/rsyncd.js';
import { waitFor } from '../test/helpers/wait.js';

/** A sync agent under test: started on a pre-synced tree, told to stop afterwards. */
export interface System {
  readonly name: string;
  start(): Promise<void>;
  /** Called right after a workload's changes: the floor runs its rsync here; agents do nothing. */
  afterChange(): Promise<void>;
  /** rsync processes started so far (when known). */
  rsyncRuns(): number | null;
  /** Bytes the transfers sent so far (when known). */
  bytesSent(): number | null;
  /** CPU seconds the agent used so far (user + system), when known. */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

function cpuOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

export interface Env {
  readonly src: string;
  readonly work: string;
  readonly daemon: RsyncDaemon;
  readonly module: string;
}

/** sersync-ts itself (the built CLI), with a config like an operator's. */
export function sersyncTs(env: Env): System {
  let child: ChildProcess | null = null;
  const lines: string[] = [];
  return {
    name: 'sersync-ts',
    async start() {
      const conf = path.join(env.work, 'sersync.xml');
      fs.writeFileSync(conf, configXml({ watch: env.src, remotes: [{ module: env.module }], port: env.daemon.port, passwordFile: env.daemon.passwordFile, failLog: path.join(env.work, 'fail.sh'), commonParams: '-a' }));
      child = spawn(process.execPath, [CLI, '-o', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      const on = (b: Buffer): void => void lines.push(...b.toString().split('\n'));
      child.stdout!.on('data', on);
      child.stderr!.on('data', on);
      await waitFor(() => lines.some((l) => /ready in/.test(l)), { timeoutMs: 120_000, what: 'sersync-ts ready' });
    },
    afterChange: async () => {},
    rsyncRuns: () => lines.filter((l) => / -> .*: (\d+ paths?|full sync), exit /.test(l)).length,
    bytesSent: () => lines.reduce((n, l) => n + bytesFromLine(l), 0),
    cpuSeconds: () => cpuOf(child?.pid),
    async stop() {
      if (!child) return;
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}

function bytesFromLine(l: string): number {
  const m = /, ([\d.]+) (B|KiB|MiB|GiB) sent$/.exec(l);
  if (!m) return 0;
  return Math.round(Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as 'B']);
}

/** lsyncd 2.2.3 (Debian) with default.rsync to the same daemon module. */
export function lsyncd(env: Env, delay: number | null): System {
  let child: ChildProcess | null = null;
  const log = path.join(env.work, `lsyncd-${delay ?? 'default'}.log`);
  return {
    name: delay === null ? 'lsyncd (default delay 15 s)' : `lsyncd (delay=${delay})`,
    async start() {
      fs.rmSync(log, { force: true });
      const conf = path.join(env.work, 'lsyncd.lua');
      fs.writeFileSync(
        conf,
        `settings { nodaemon = true, logfile = ${JSON.stringify(log)}, insist = true }\n` +
          `sync { default.rsync, source = ${JSON.stringify(env.src)}, target = ${JSON.stringify(`rsync://${env.daemon.user}@127.0.0.1:${env.daemon.port}/${env.module}/`)},` +
          `${delay === null ? '' : ` delay = ${delay},`} init = false, rsync = { archive = true, password_file = ${JSON.stringify(env.daemon.passwordFile)} } }\n`,
      );
      child = spawn('lsyncd', ['-log', 'Exec', conf], { stdio: 'ignore' });
      await waitFor(() => fs.existsSync(log) && /Normal: --- Startup|Startup of/.test(fs.readFileSync(log, 'utf8')), { timeoutMs: 120_000, what: 'lsyncd ready' }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    },
    afterChange: async () => {},
    rsyncRuns: () => (fs.existsSync(log) ? (fs.readFileSync(log, 'utf8').match(/Calling rsync/g) ?? []).length : null),
    bytesSent: () => null,
    cpuSeconds: () => cpuOf(child?.pid),
    async stop() {
      if (!child) return;
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}

/** The floor: one plain `rsync -a --delete` of the tree right after the change. */
export function floor(env: Env, nodelay: boolean): System {
  let runs = 0;
  let bytes = 0;
  return {
    name: nodelay ? 'floor (rsync -a, TCP_NODELAY)' : 'floor (rsync -a)',
    start: async () => {},
    async afterChange() {
      runs++;
      const r = await execa('rsync', ['-a', '--delete', '--stats', ...(nodelay ? ['--sockopts=TCP_NODELAY'] : []), `--port=${env.daemon.port}`, './', `${env.daemon.user}@127.0.0.1::${env.module}`, `--password-file=${env.daemon.passwordFile}`], { cwd: env.src, reject: false });
      bytes += Number(/Total bytes sent: ([\d,]+)/.exec(r.stdout)?.[1]?.replace(/,/g, '') ?? 0);
    },
    rsyncRuns: () => runs,
    bytesSent: () => bytes,
    cpuSeconds: () => null,
    stop: async () => {},
  };
}
