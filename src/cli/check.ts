import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Remote, SersyncConfig } from '../config/types.js';
import { sshLoginCommand } from '../rsync/probe.js';
import { checkRemote } from './check-remote.js';
import type { CheckLine } from './check-line.js';
import { connectTimeoutSec, sshWords } from '../rsync/args.js';
import { rshCommand, sshLoginArgs, sshMasterArgs } from '../rsync/ssh-command.js';
import { sshProblem, sshProblemLine } from '../rsync/ssh-errors.js';
import { chooseControlDir, hostTag } from '../rsync/ssh-control-dir.js';
import { defaultStateDir } from '../daemon/state-dir.js';
import type { RsyncRunner } from '../rsync/runner.js';
import { laneBatchArgv, laneFullSyncArgv } from '../lane/lane-argv.js';
import { protectRules } from '../delete-safety/protect-rules.js';
import { createPlugin } from '../plugins/registry.js';
import { memoryLogger } from '../shared/logger.js';
import { shellLine, shellQuote } from '../rsync/shell-quote.js';
import { TOGGLES_FOR } from '../watch/event-policy.js';
import { toJsRegex } from '../config/regex.js';

/** `--check`: what the agent would do with this config, as readable lines. */
export function describePlan(config: SersyncConfig, initialSync: boolean): string[] {
  const out: string[] = [`config ${config.file}: OK`];
  const t = config.inotify;
  const acted = Object.entries(TOGGLES_FOR)
    .map(([kind, toggles]) => `${kind}=${toggles.some((x) => t[x]) ? 'sync' : 'ignore'}`)
    .join(' ');
  out.push(`events: ${acted}`);
  out.push(`debounce: ${config.debounce.delayMs} ms quiet, at most ${config.debounce.maxDelayMs} ms`);
  const g = config.deleteGuard;
  out.push(
    g.enabled
      ? `deletion brake: a root's deletions are held when ${g.percent} % of its files, and at least ${g.files}, disappear within ${g.withinMs / 1000} s`
      : 'deletion brake: off (<deleteGuard start="false">)',
  );
  if (config.filter.enabled)
    out.push(`filter: exclude ${config.filter.excludes.map((e) => JSON.stringify(e)).join(', ')}`);
  // The same argv the lanes build (agent.ts passes them these protect rules).
  const protect = protectRules(config.filter.enabled ? config.filter.excludes : []).globs;
  if (config.rsync.ssh) out.push(...describeSsh(config));
  for (const root of config.roots) {
    out.push(`watch ${root.path}`);
    for (const remote of root.remotes) {
      const batch = laneBatchArgv(config, remote, protect);
      out.push(`  -> ${remote.label}`);
      out.push(
        `     batch:     cd ${shellQuote(root.path)} && printf '%s\\0' PATH... | ${shellLine(['rsync', ...batch])}`,
      );
      if (initialSync) {
        const full = laneFullSyncArgv(config, remote, protect);
        out.push(`     full sync: cd ${shellQuote(root.path)} && ${shellLine(['rsync', ...full])}`);
      }
    }
  }
  return out;
}

/**
 * Over ssh: the master each host gets, and how every rsync joins it. The socket is shown in
 * the default state directory (under --state-dir when one is given); `<pid>-<n>` names the
 * agent instance that owns it.
 */
function describeSsh(config: SersyncConfig): string[] {
  const hosts = [...new Map(config.roots.flatMap((r) => r.remotes).map((r) => [r.ip, r])).values()];
  const connect = connectTimeoutSec(config.rsync);
  const { dir } = chooseControlDir(defaultStateDir(config), process.getuid?.() ?? 0);
  const socket = (ip: string): string => path.join(dir, `${hostTag(ip, config.rsync.port)}-<pid>-<n>`);
  const out = [
    'ssh: one master connection per host, owned by the agent (restarted when it dies, closed on stop); every rsync joins it, or logs in on its own while it is down',
  ];
  for (const h of hosts) {
    out.push(`  master:    ${shellLine(['ssh', ...sshMasterArgs(config.rsync, h, socket(h.ip), connect)])}`);
    out.push(`  rsync -e:  ${shellQuote(rshCommand(sshWords(config.rsync, { controlPath: socket(h.ip) })))}`);
  }
  return out;
}

/**
 * The plugins this run would start (`<plugin start="true" name>`, or `-m NAME`), built as the agent
 * builds them, so a block that is missing what it needs fails --check rather than the start.
 */
export async function checkPlugins(config: SersyncConfig, only: string | null): Promise<CheckLine[]> {
  const names = only !== null ? [only] : config.plugins.enabled ? [config.plugins.name] : [];
  const out: CheckLine[] = [];
  for (const name of names) {
    try {
      const cdn = config.plugins.refreshCdn;
      if (name.toLowerCase() === 'refreshcdn' && cdn?.regex) {
        try {
          const { source, flags } = toJsRegex(cdn.match);
          new RegExp(source, flags);
        } catch (err) {
          throw new Error(
            `plugin "refreshCDN": <regexurl match=${JSON.stringify(cdn.match)}> is not a valid regular expression (${(err as Error).message})`,
          );
        }
      }
      const plugin = await createPlugin(name, config, memoryLogger());
      await plugin.close();
      out.push({ ok: true, text: `plugin ${name}: configured` });
    } catch (err) {
      out.push({ ok: false, config: true, text: `${config.file}: sersync/plugin: ${(err as Error).message}` });
    }
  }
  return out;
}

/** `--check` beyond the config: the rsync binary, the watch limit, and every remote module. */
export async function runChecks(config: SersyncConfig, runner: RsyncRunner): Promise<CheckLine[]> {
  const out: CheckLine[] = [];
  const v = await execa(process.env['SERSYNC_RSYNC'] ?? 'rsync', ['--version'], { reject: false });
  const m = /version\s+(\d+)\.(\d+)\.(\d+)/.exec(String(v.stdout ?? ''));
  if (!m) out.push({ ok: false, text: 'rsync: not found or unreadable version: install it (apt-get install rsync)' });
  else {
    const [maj, min] = [Number(m[1]), Number(m[2])];
    const good = maj > 3 || (maj === 3 && min >= 1);
    out.push({
      ok: good,
      text: `rsync ${m[1]}.${m[2]}.${m[3]}${good ? '' : ': sersync-ts needs rsync >= 3.1 (--delete-missing-args) on both ends: upgrade it'}`,
    });
  }
  if (config.rsync.auth)
    out.push({ ok: true, text: `password file ${config.rsync.auth.passwordFile}: mode 600, holds only a password` });
  const limit = Number((await fs.readFile('/proc/sys/fs/inotify/max_user_watches', 'utf8').catch(() => '0')).trim());
  let dirs = 0;
  for (const r of config.roots) dirs += await countDirs(r.path);
  const watchesOk = limit === 0 || dirs + 100 < limit;
  out.push({
    ok: watchesOk,
    text: `inotify: ${dirs} directories to watch, fs.inotify.max_user_watches = ${limit || 'unknown'}${watchesOk ? '' : `: too low, run sysctl fs.inotify.max_user_watches=${Math.max(dirs * 2, 524288)} (and persist it in /etc/sysctl.d/)`}`,
  });
  const seen = new Set<string>();
  const loginFailed = new Set<string>();
  for (const root of config.roots) {
    for (const remote of root.remotes) {
      if (config.rsync.ssh && !seen.has(`host ${remote.ip}`)) {
        seen.add(`host ${remote.ip}`);
        const login = await checkSshLogin(config, remote);
        out.push(login);
        if (!login.ok) loginFailed.add(remote.ip);
      }
      if (seen.has(remote.label) || loginFailed.has(remote.ip)) continue;
      seen.add(remote.label);
      out.push(...(await checkRemote(config, runner, remote)));
    }
  }
  return out;
}

/** `ssh ... HOST true` with BatchMode: a refused key or an unknown host key fails here, clearly. */
async function checkSshLogin(config: SersyncConfig, remote: Remote): Promise<CheckLine> {
  const connect = connectTimeoutSec(config.rsync);
  const cmd = sshLoginCommand(config.rsync, remote);
  const r = await execa('ssh', sshLoginArgs(config.rsync, remote, connect), {
    reject: false,
    timeout: (connect + 5) * 1000,
    stdin: 'ignore',
  });
  if (r.exitCode === 0)
    return {
      ok: true,
      text: `ssh to ${remote.ip} port ${config.rsync.port ?? 22}: login works without a prompt (${cmd})`,
    };
  const p = sshProblem(String(r.stderr ?? ''), cmd);
  if (!p)
    return {
      ok: false,
      text: `ssh to ${remote.ip} port ${config.rsync.port ?? 22}: ${cmd} failed (exit ${r.exitCode ?? (r.timedOut ? 'timeout' : '?')}): ${
        String(r.stderr ?? '')
          .trim()
          .split('\n')
          .slice(-1)[0] ?? ''
      }`,
    };
  const line = sshProblemLine(p, remote.ip, config.rsync.port);
  return p.kind === 'config'
    ? { ok: false, config: true, text: `${config.file}: remote ${remote.label}: ${line}` }
    : { ok: false, warn: true, text: line };
}

async function countDirs(root: string): Promise<number> {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    n++;
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) stack.push(`${d}/${e.name}`);
  }
  return n;
}
