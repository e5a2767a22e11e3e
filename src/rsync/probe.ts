import type { Remote, RsyncConfig } from '../config/types.js';
import { succeeded } from './exit-codes.js';
import { buildProbeArgs, connectTimeoutSec, PROBE_TIMEOUT_SEC } from './args.js';
import type { RsyncRunner } from './runner.js';
import { shellLine } from './shell-quote.js';
import { sshLoginArgs, type SshControl } from './ssh-command.js';
import { sshProblem, sshProblemLine } from './ssh-errors.js';
import { classifyRsyncFailure, refusalContext, type Refusal } from './refusals.js';

/**
 * What a remote module answered to a probe.
 * - ok:          the module exists and accepted us.
 * - config:      it answered, but no: unknown module, auth refused, bad password file, an ssh
 *                login refused or a host key not trusted... a human must fix the config (startup
 *                exits 78).
 * - unreachable: no answer (down, refused, timeout): not a config error; keep running and retrying.
 */
export interface ProbeResult {
  readonly outcome: 'ok' | 'config' | 'unreachable';
  readonly exitCode: number;
  /**
   * The daemon's or rsync's own words, e.g. `@ERROR: Unknown module 'www'`; over ssh, one whole
   * line with what to do (`ssh to root@host port 22: Permission denied (publickey): check...`).
   */
  readonly answer: string;
  /** What the answer means and who must act (refusals.ts); null when it is not a known one. */
  readonly refusal?: Refusal | null;
}

/** Probes begun before the agent's modules loaded (cli/early-start.ts), by remote label. */
export type EarlyProbes = ReadonlyMap<string, Promise<ProbeResult>>;

/**
 * The remotes a process probes before it loads the agent: the first of each host, one rsync per
 * host like the least share of `-n` (lane/slots.ts), so the early ones never exceed it; Fleet's
 * probeAll waits for them before it probes the rest in the slots. None over ssh: its logins go
 * through the control masters, which the agent starts.
 */
export function earlyProbeTargets(
  roots: readonly { readonly remotes: readonly Remote[] }[],
  rsync: RsyncConfig,
): Remote[] {
  if (rsync.ssh) return [];
  const byHost = new Map<string, Remote>();
  for (const r of roots.flatMap((root) => root.remotes)) if (!byHost.has(r.ip)) byHost.set(r.ip, r);
  return [...byHost.values()];
}

/** A daemon that answered and refused, or this host's own password file: a human must act. */
const CONFIG_KINDS: ReadonlySet<string> = new Set(['refused', 'local']);

/** The command an operator can run to see the ssh login fail or work, for the advice. */
export function sshLoginCommand(rsync: RsyncConfig, remote: Remote): string {
  return shellLine(['ssh', ...sshLoginArgs(rsync, remote, connectTimeoutSec(rsync))]);
}

/** `configFile`: named in the advice when the remote's name is at fault. */
export async function probeRemote(
  runner: RsyncRunner,
  rsync: RsyncConfig,
  remote: Remote,
  ssh?: SshControl,
  configFile?: string,
): Promise<ProbeResult> {
  const r = await runner.run({
    args: buildProbeArgs(rsync, remote, ssh),
    cwd: '/',
    killAfterMs: (PROBE_TIMEOUT_SEC + 5) * 1000,
  });
  const text = r.spawnError ?? r.stderr;
  const answer = text.split('\n').find((l) => l.startsWith('@ERROR')) ?? text.split('\n')[0] ?? '';
  if (succeeded(r)) return { outcome: 'ok', exitCode: r.exitCode, answer: '' };
  if (r.spawnError) return { outcome: 'config', exitCode: r.exitCode, answer: `cannot run rsync: ${r.spawnError}` };
  if (rsync.ssh) {
    const p = sshProblem(r.stderr, sshLoginCommand(rsync, remote));
    if (p) return { outcome: p.kind, exitCode: r.exitCode, answer: sshProblemLine(p, remote.ip, rsync.port) };
  }
  const refusal = classifyRsyncFailure(r, refusalContext(rsync, remote, configFile ? { configFile } : {}));
  if (r.exitCode === 1 || (refusal && CONFIG_KINDS.has(refusal.kind)))
    return { outcome: 'config', exitCode: r.exitCode, answer: refusal?.answer ?? answer, refusal };
  return { outcome: 'unreachable', exitCode: r.exitCode, answer: refusal?.answer ?? answer, refusal };
}

/**
 * The one line startup (exit 78) and --check print for a probe that came back `config`: over
 * ssh the answer already says what to do; for a daemon module, which settings to look at.
 */
export function probeConfigLine(file: string, rsync: RsyncConfig, remote: Remote, r: ProbeResult): string {
  if (rsync.ssh) return `${file}: remote ${remote.label}: ${r.answer || `rsync exit ${r.exitCode}`}`;
  if (r.refusal) return `${file}: remote ${remote.ip} module "${remote.module}": ${r.refusal.line}`;
  return `${file}: remote ${remote.ip} module "${remote.module}": ${r.answer || `rsync exit ${r.exitCode}`} (fix the module name, user or password file)`;
}
