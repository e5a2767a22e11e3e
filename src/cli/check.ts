import fs from 'node:fs/promises';
import { execa } from 'execa';
import type { SersyncConfig } from '../config/types.js';
import { probeRemote } from '../rsync/probe.js';
import type { RsyncRunner } from '../rsync/runner.js';
import { buildBatchArgs, buildFullSyncArgs } from '../rsync/args.js';
import { shellLine, shellQuote } from '../rsync/shell-quote.js';
import { TOGGLES_FOR } from '../daemon/event-policy.js';

/** `--check`: what the agent would do with this config, as readable lines. */
export function describePlan(config: SersyncConfig, initialSync: boolean): string[] {
  const out: string[] = [`config ${config.file}: OK`];
  const t = config.inotify;
  const acted = Object.entries(TOGGLES_FOR)
    .map(([kind, toggles]) => `${kind}=${toggles.some((x) => t[x]) ? 'sync' : 'ignore'}`)
    .join(' ');
  out.push(`events: ${acted}`);
  out.push(`debounce: ${config.debounce.delayMs} ms quiet, at most ${config.debounce.maxDelayMs} ms`);
  if (config.filter.enabled) out.push(`filter: exclude ${config.filter.excludes.map((e) => JSON.stringify(e)).join(', ')}`);
  for (const root of config.roots) {
    out.push(`watch ${root.path}`);
    for (const remote of root.remotes) {
      const batch = buildBatchArgs(config.rsync, remote, { deleteEnabled: t.delete });
      out.push(`  -> ${remote.label}`);
      out.push(`     batch:     cd ${shellQuote(root.path)} && printf '%s\\0' PATH... | ${shellLine(['rsync', ...batch])}`);
      if (initialSync) {
        const full = buildFullSyncArgs(config.rsync, remote, { deleteEnabled: t.delete });
        out.push(`     full sync: cd ${shellQuote(root.path)} && ${shellLine(['rsync', ...full])}`);
      }
    }
  }
  return out;
}

export interface CheckLine {
  readonly ok: boolean;
  readonly text: string;
  /** A failure that is the config's fault (exit 78) rather than the machine's (exit 1). */
  readonly config?: boolean;
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
    out.push({ ok: good, text: `rsync ${m[1]}.${m[2]}.${m[3]}${good ? '' : ': sersync-ts needs rsync >= 3.1 (--delete-missing-args) on both ends: upgrade it'}` });
  }
  if (config.rsync.auth) out.push({ ok: true, text: `password file ${config.rsync.auth.passwordFile}: mode 600, holds only a password` });
  const limit = Number((await fs.readFile('/proc/sys/fs/inotify/max_user_watches', 'utf8').catch(() => '0')).trim());
  let dirs = 0;
  for (const r of config.roots) dirs += await countDirs(r.path);
  const watchesOk = limit === 0 || dirs + 100 < limit;
  out.push({
    ok: watchesOk,
    text: `inotify: ${dirs} directories to watch, fs.inotify.max_user_watches = ${limit || 'unknown'}${watchesOk ? '' : `: too low, run sysctl fs.inotify.max_user_watches=${Math.max(dirs * 2, 524288)} (and persist it in /etc/sysctl.d/)`}`,
  });
  const seen = new Set<string>();
  for (const root of config.roots) {
    for (const remote of root.remotes) {
      if (seen.has(remote.label)) continue;
      seen.add(remote.label);
      const p = await probeRemote(runner, config.rsync, remote);
      if (p.outcome === 'ok') out.push({ ok: true, text: `remote ${remote.label}: module answers${config.rsync.auth ? ` (as ${config.rsync.auth.user})` : ''}` });
      else if (p.outcome === 'config') out.push({ ok: false, config: true, text: `remote ${remote.label}: ${p.answer || `rsync exit ${p.exitCode}`}: fix the module name, user or password (file)` });
      else out.push({ ok: false, text: `remote ${remote.label}: unreachable (${p.answer || `rsync exit ${p.exitCode}`}): is the rsync daemon running, the port right, a firewall in the way?` });
    }
  }
  return out;
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
