/**
 * The agent fixture: a sersync-format config for a test (configXml, writeConfig) and the real CLI
 * running on it (runAgent, startAgent; on a site from rsyncd.ts: runAgentOn, startAgentOn, which
 * stop the agent when the site closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OWN_NODE_FLAGS } from '../../src/shared/node-flags.js';
import { projectRoot } from './paths.js';
import { rsyncDescendants } from './rsync-procs.js';
import type { DaemonTarget, TestDir } from './rsyncd.js';
import { waitFor } from './wait.js';

export interface RemoteSpec {
  readonly module: string;
  readonly ip?: string;
}

export interface ConfigSpec {
  readonly watch: string | readonly string[];
  readonly remotes: readonly RemoteSpec[];
  readonly port: number;
  readonly user?: string;
  readonly passwordFile?: string;
  readonly commonParams?: string;
  readonly filter?: readonly string[];
  readonly deleteEnabled?: boolean;
  readonly debug?: boolean;
  readonly extraSersync?: string;
  readonly failLog?: string;
  /** `<failLog timeToExecute>` in minutes. */
  readonly timeToExecute?: number;
  /** Extra top-level elements (e.g. `<plugin name=...>` blocks). */
  readonly extraHead?: string;
  /** `<host port>` for /status and /metrics (0: off). */
  readonly statusPort?: number;
  /** `<timeout time>` in seconds; null turns `<timeout>` off (sersync's shipped default). @default 30 */
  readonly timeoutSec?: number | null;
  /** `<crontab start="true" schedule>` in minutes (fractions allowed). */
  readonly crontabMin?: number;
  /** `<inotify><attrib start>`: a directory's own chmod/touch is synced. @default false */
  readonly attrib?: boolean;
  /** `<ssh start="true">`: each remote's `module` is then the remote directory. @default false */
  readonly ssh?: boolean;
}

/** A sersync-format confxml.xml for a test, pointing at a loopback daemon. */
export function configXml(spec: ConfigSpec): string {
  const watches = typeof spec.watch === 'string' ? [spec.watch] : spec.watch;
  const attr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const remotes = spec.remotes
    .map((r) => `      <remote ip="${r.ip ?? '127.0.0.1'}" name="${attr(r.module)}"/>`)
    .join('\n');
  const localpaths = watches.map((w) => `    <localpath watch="${attr(w)}">\n${remotes}\n    </localpath>`).join('\n');
  const filter = spec.filter ?? [];
  const auth = spec.passwordFile
    ? `<auth start="true" users="${spec.user ?? 'rsyncuser'}" passwordfile="${spec.passwordFile}"/>`
    : '<auth start="false" users="root" passwordfile="/etc/rsync.pas"/>';
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<head version="2.5">
  <host hostip="127.0.0.1" port="${spec.statusPort ?? 0}"></host>
  <debug start="${spec.debug ? 'true' : 'false'}"/>
  <fileSystem xfs="false"/>
  <filter start="${filter.length > 0 ? 'true' : 'false'}">
${filter.map((f) => `    <exclude expression="${f.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"></exclude>`).join('\n')}
  </filter>
  <inotify>
    <delete start="${spec.deleteEnabled === false ? 'false' : 'true'}"/>
    <createFolder start="true"/>
    <createFile start="false"/>
    <closeWrite start="true"/>
    <moveFrom start="true"/>
    <moveTo start="true"/>
    <attrib start="${spec.attrib ? 'true' : 'false'}"/>
    <modify start="false"/>
  </inotify>
  <sersync>
${localpaths}
    <rsync>
      <commonParams params="${spec.commonParams ?? '-artz'}"/>
      ${auth}
      <userDefinedPort start="true" port="${spec.port}"/>
      <timeout start="${spec.timeoutSec === null ? 'false' : 'true'}" time="${spec.timeoutSec ?? 30}"/>
      <ssh start="${spec.ssh ? 'true' : 'false'}"/>
    </rsync>
    <failLog path="${spec.failLog ?? path.join(path.dirname(watches[0]!), 'rsync_fail_log.sh')}" timeToExecute="${spec.timeToExecute ?? 60}"/>
    <crontab start="${spec.crontabMin !== undefined ? 'true' : 'false'}" schedule="${spec.crontabMin ?? 600}"/>
    ${spec.extraSersync ?? ''}
  </sersync>
  ${spec.extraHead ?? ''}
</head>
`;
}

/** A running `sersync-ts` process (the real CLI, built in dist/). */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Every stderr/stdout line so far. */
  readonly lines: string[];
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Batch log lines (one per rsync batch) so far. */
  batchLines(): string[];
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export const CLI = path.join(projectRoot, 'dist', 'src', 'main.js');

/** `opts.command`: an installed sersync-ts to run instead of dist/ (e.g. from the .deb). */
export function runAgent(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  opts: { cwd?: string; command?: readonly string[] } = {},
): AgentProcess {
  const [file, ...pre] = opts.command ?? [process.execPath, ...OWN_NODE_FLAGS, CLI];
  const child = spawn(file!, [...pre, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const lines: string[] = [];
  const onData = (buf: Buffer): void => {
    for (const l of buf.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async waitForLine(re, timeoutMs = 30_000) {
      await waitFor(() => lines.some((l) => re.test(l)) || child.exitCode !== null, {
        timeoutMs,
        what: `log line ${re}`,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- agent log tail:\n${lines.slice(-15).join('\n')}`);
      });
      const hit = lines.find((l) => re.test(l));
      if (!hit) throw new Error(`agent exited (${child.exitCode}) before logging ${re}:\n${lines.join('\n')}`);
      return hit;
    },
    batchLines: () => lines.filter((l) => / -> .*: (\d+ paths?|full sync), exit /.test(l)),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Writes the config for `spec` (changed by `edit`, for what ConfigSpec cannot say) to `dir/name`; returns its path. */
export function writeConfig(
  dir: string,
  spec: ConfigSpec,
  name = 'confxml.xml',
  edit: (xml: string) => string = (x) => x,
): string {
  const file = path.join(dir, name);
  fsSync.writeFileSync(file, edit(configXml(spec)));
  return file;
}

/** A site (rsyncd.ts), or a bare test dir with the rest of the config given in `extra`. */
type On = TestDir & { readonly spec?: DaemonTarget };

export interface OnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Config file name in the site's dir. @default 'confxml.xml' */
  readonly file?: string;
  /** Changes the generated XML (what ConfigSpec cannot say). */
  readonly edit?: (xml: string) => string;
  /** What runs instead of dist/src/main.js (e.g. seamed-main.ts's SEAMED_CLI). */
  readonly command?: readonly string[];
}

/** The agent on `site.spec` + `extra` (written to the site's dir), not waiting for it; stopped when the site closes. */
export function runAgentOn(
  site: On,
  extra: Partial<ConfigSpec> = {},
  args: readonly string[] = [],
  opts: OnOptions = {},
): AgentProcess {
  const file = writeConfig(site.tmp, { ...site.spec, ...extra } as ConfigSpec, opts.file, opts.edit);
  const agent = runAgent(['-o', file, ...args], opts.env ?? {}, {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.command ? { command: opts.command } : {}),
  });
  site.onClose(() => stopForCleanup(agent));
  return agent;
}

/** After a test, also one that failed: a stopped (SIGSTOP) agent is continued first; one that hangs is killed. */
async function stopForCleanup(agent: AgentProcess): Promise<void> {
  const { child } = agent;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await agent.exited;
  clearTimeout(kill);
}

/** runAgentOn, resolved once the agent is watching. */
export async function startAgentOn(
  site: On,
  extra: Partial<ConfigSpec> = {},
  args: readonly string[] = [],
  opts: OnOptions = {},
): Promise<AgentProcess> {
  const agent = runAgentOn(site, extra, args, opts);
  await agent.waitForLine(/ready in \d+ ms/);
  return agent;
}

/** Writes the config into `dir` and starts the agent on it; resolves once it is watching. */
export async function startAgent(
  dir: string,
  spec: ConfigSpec,
  args: readonly string[] = [],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<AgentProcess> {
  const file = path.join(dir, 'confxml.xml');
  await fs.writeFile(file, configXml(spec));
  const agent = runAgent(['-o', file, ...args], opts.env ?? {}, opts.cwd !== undefined ? { cwd: opts.cwd } : {});
  await agent.waitForLine(/ready in \d+ ms/);
  return agent;
}

/** Every thread of `pid` is stopped (state T in /proc/PID/task/TID/stat). */
function allStopped(pid: number): boolean {
  const tasks = fsSync.readdirSync(`/proc/${pid}/task`);
  return tasks.every((tid) => {
    const stat = fsSync.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'T';
  });
}

/**
 * Runs `change` while the agent is stopped (SIGSTOP, every thread), then continues it: its watcher
 * then reads all the change's events in one go and delivers them together. For a test that counts
 * the sends of one write, or needs one batch to see the whole change: otherwise a writer
 * descheduled between a file's create and its write (a loaded CI machine) shows the agent two
 * changes, and the leading edge sends the file twice, by design.
 */
export async function whileStopped<T>(agent: AgentProcess, change: () => T): Promise<T> {
  const pid = agent.child.pid!;
  agent.child.kill('SIGSTOP');
  try {
    await waitFor(() => allStopped(pid), { what: 'the agent stopped (SIGSTOP)' });
    return change();
  } finally {
    agent.child.kill('SIGCONT');
  }
}

/**
 * The remote can match the source before rsync exits and its batch line is logged: wait until the
 * agent has no rsync running and, for `quietMs` on end, neither started one nor added a batch line.
 * (A batch line is logged only once its rsync has ended: an rsync seen running, or one that ends,
 * starts the quiet window afresh, so its line is in before this resolves.) A deadline, not a sleep.
 * Resolves to the number of log lines at that point.
 */
export async function batchesQuiet(agent: AgentProcess, quietMs = 500): Promise<number> {
  const pid = agent.child.pid!;
  let seen = '';
  let since = 0;
  await waitFor(
    () => {
      const running = agent.child.exitCode === null ? rsyncDescendants(pid) : [];
      const now = `${agent.batchLines().length} ${running.join(',')}`;
      if (now !== seen) [seen, since] = [now, Date.now()];
      return running.length === 0 && Date.now() - since >= quietMs;
    },
    {
      what: `no rsync running and no new batch line for ${quietMs} ms`,
      timeoutMs: 120_000,
      // Each look reads /proc/*/stat of every process: not so often that the look loads the machine.
      intervalMs: 150,
    },
  );
  return agent.lines.length;
}
