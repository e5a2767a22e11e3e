import type { Remote, SersyncConfig } from '../config/types.js';
import { probeConfigLine, probeRemote } from '../rsync/probe.js';
import type { RsyncRunner } from '../rsync/runner.js';
import { probeWrite } from '../rsync/write-probe.js';
import type { CheckLine } from './check-line.js';
import { missingArgsLine } from '../lane/missing-args.js';

/** What makes a failed write a fault of the setup (exit 78), not of the moment. */
const SETUP_KINDS: ReadonlySet<string> = new Set(['refused', 'local', 'full']);

/**
 * `--check` of one remote: the module (or remote directory) answers the login, then takes a
 * file (rsync/write-probe.ts). Each failure is the line refusals.ts gives for it.
 */
export async function checkRemote(config: SersyncConfig, runner: RsyncRunner, remote: Remote): Promise<CheckLine[]> {
  const p = await probeRemote(runner, config.rsync, remote, undefined, config.file);
  const answer = p.answer || `rsync exit ${p.exitCode}`;
  if (p.outcome === 'config') {
    // Over ssh, the same line the agent prints when it refuses to start.
    const text = config.rsync.ssh
      ? probeConfigLine(config.file, config.rsync, remote, p)
      : `remote ${remote.label}: ${p.refusal?.line ?? `${answer}: fix the module name, user or password (file)`}`;
    return [{ ok: false, config: true, text }];
  }
  if (p.outcome !== 'ok') {
    if (config.rsync.ssh) return [{ ok: false, warn: true, text: `remote ${remote.label}: unreachable (${answer})` }];
    if (p.refusal) return [{ ok: false, warn: true, text: `remote ${remote.label}: unreachable: ${p.refusal.line}` }];
    return [
      {
        ok: false,
        warn: true,
        text: `remote ${remote.label}: unreachable (${answer}): is the rsync daemon running, the port right, a firewall in the way?`,
      },
    ];
  }
  const where = config.rsync.ssh ? 'remote directory answers' : 'module answers';
  const out: CheckLine[] = [
    { ok: true, text: `remote ${remote.label}: ${where}${config.rsync.auth ? ` (as ${config.rsync.auth.user})` : ''}` },
  ];
  const w = await probeWrite({ runner, rsync: config.rsync, remote });
  if (w.ok) {
    out.push({ ok: true, text: `remote ${remote.label}: writable (wrote and removed ${w.path})` });
    // Works, the slower way: worth a warning, not a failure.
    if (w.missingArgsRejected) out.push({ ok: false, warn: true, text: `remote ${missingArgsLine(remote.label)}` });
  } else if (w.stage === 'write')
    out.push({
      ok: false,
      config: w.refusal === null || SETUP_KINDS.has(w.refusal.kind),
      text: `remote ${remote.label}: cannot write ${w.path}: ${w.reason}`,
    });
  else
    out.push({
      ok: false,
      config: true,
      text: `remote ${remote.label}: wrote ${w.path} but cannot remove it (remove it by hand): ${w.reason}`,
    });
  return out;
}
