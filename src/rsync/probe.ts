import type { Remote, RsyncConfig } from '../config/types.js';
import { buildProbeArgs, PROBE_TIMEOUT_SEC } from './args.js';
import type { RsyncRunner } from './runner.js';

/**
 * What a remote module answered to a probe.
 * - ok:          the module exists and accepted us.
 * - config:      it answered, but no: unknown module, auth refused, bad password file... a human
 *                must fix the config (startup exits 78).
 * - unreachable: no answer (down, refused, timeout): not a config error; keep running and retrying.
 */
export interface ProbeResult {
  readonly outcome: 'ok' | 'config' | 'unreachable';
  readonly exitCode: number;
  /** The daemon's or rsync's own words, e.g. `@ERROR: Unknown module 'www'`. */
  readonly answer: string;
}

const CONFIG_ANSWERS = [/@ERROR: Unknown module/i, /@ERROR: auth failed/i, /@ERROR: access denied/i, /password file/i, /@ERROR: chroot failed/i, /@ERROR: chdir failed/i, /@ERROR: set[ug]id failed/i];

export async function probeRemote(runner: RsyncRunner, rsync: RsyncConfig, remote: Remote): Promise<ProbeResult> {
  const r = await runner.run({ args: buildProbeArgs(rsync, remote), cwd: '/', killAfterMs: (PROBE_TIMEOUT_SEC + 5) * 1000 });
  const answer = (r.spawnError ?? r.stderr).split('\n').find((l) => l.startsWith('@ERROR')) ?? (r.spawnError ?? r.stderr).split('\n')[0] ?? '';
  if (r.exitCode === 0) return { outcome: 'ok', exitCode: 0, answer: '' };
  if (r.spawnError) return { outcome: 'config', exitCode: r.exitCode, answer: `cannot run rsync: ${r.spawnError}` };
  if (r.exitCode === 1 || CONFIG_ANSWERS.some((re) => re.test(r.stderr))) return { outcome: 'config', exitCode: r.exitCode, answer };
  return { outcome: 'unreachable', exitCode: r.exitCode, answer };
}
