import type { Remote, RsyncConfig } from '../config/types.js';
import { buildProbeArgs, connectTimeoutSec, PROBE_TIMEOUT_SEC } from './args.js';
import type { RsyncRunner } from './runner.js';
import { receiverAnswer } from './refusal.js';
import { shellLine } from './shell-quote.js';
import { sshLoginArgs, type SshControl } from './ssh-command.js';
import { sshProblem, sshProblemLine } from './ssh-errors.js';

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
  /**
   * With `config`: `receiver` when the receiving server refused (receiverAnswer: auth, hosts,
   * module, chroot, read only): a remote problem; the agent runs with that lane refused.
   * `local` when this host's own setup is wrong (password file, rsync missing, ssh): exit 78.
   */
  readonly side?: 'local' | 'receiver';
  readonly exitCode: number;
  /**
   * The daemon's or rsync's own words, e.g. `@ERROR: Unknown module 'www'`; over ssh, one whole
   * line with what to do (`ssh to root@host port 22: Permission denied (publickey): check...`).
   */
  readonly answer: string;
}

const CONFIG_ANSWERS = [/@ERROR: Unknown module/i, /@ERROR: auth failed/i, /@ERROR: access denied/i, /password file/i, /@ERROR: chroot failed/i, /@ERROR: chdir failed/i, /@ERROR: set[ug]id failed/i];

/** The command an operator can run to see the ssh login fail or work, for the advice. */
export function sshLoginCommand(rsync: RsyncConfig, remote: Remote): string {
  return shellLine(['ssh', ...sshLoginArgs(rsync, remote, connectTimeoutSec(rsync))]);
}

export async function probeRemote(runner: RsyncRunner, rsync: RsyncConfig, remote: Remote, ssh?: SshControl): Promise<ProbeResult> {
  const r = await runner.run({ args: buildProbeArgs(rsync, remote, ssh), cwd: '/', killAfterMs: (PROBE_TIMEOUT_SEC + 5) * 1000 });
  const text = r.spawnError ?? r.stderr;
  const answer = text.split('\n').find((l) => l.startsWith('@ERROR')) ?? text.split('\n')[0] ?? '';
  if (r.exitCode === 0) return { outcome: 'ok', exitCode: 0, answer: '' };
  if (r.spawnError) return { outcome: 'config', exitCode: r.exitCode, answer: `cannot run rsync: ${r.spawnError}` };
  if (rsync.ssh) {
    const p = sshProblem(r.stderr, sshLoginCommand(rsync, remote));
    if (p) return { outcome: p.kind, exitCode: r.exitCode, answer: sshProblemLine(p, remote.ip, rsync.port) };
  }
  const refused = receiverAnswer(r.stderr);
  if (refused?.kind === 'refused') return { outcome: 'config', side: 'receiver', exitCode: r.exitCode, answer: refused.answer };
  if (r.exitCode === 1 || CONFIG_ANSWERS.some((re) => re.test(r.stderr))) return { outcome: 'config', side: 'local', exitCode: r.exitCode, answer };
  return { outcome: 'unreachable', exitCode: r.exitCode, answer };
}

/**
 * The one line startup (exit 78) and --check print for a probe that came back `config`: over
 * ssh the answer already says what to do; for a daemon module, which settings to look at.
 */
export function probeConfigLine(file: string, rsync: RsyncConfig, remote: Remote, r: ProbeResult): string {
  if (rsync.ssh) return `${file}: remote ${remote.label}: ${r.answer || `rsync exit ${r.exitCode}`}`;
  return `${file}: remote ${remote.ip} module "${remote.module}": ${r.answer || `rsync exit ${r.exitCode}`} (fix the module name, user or password file)`;
}
