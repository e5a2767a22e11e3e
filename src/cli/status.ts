import type { SersyncConfig } from '../config/types.js';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import type { StatusDocument } from '../daemon/status-doc.js';
import { NOT_DELIVERING } from '../lane/lane-state-name.js';
import { agentUrl, request } from './http.js';

/** `sersync-ts status`: a human summary of the running agent, read from its /status. */
export async function printStatus(config: Pick<SersyncConfig, 'host' | 'file'>, io: Io): Promise<number> {
  const url = agentUrl(config, '/status') ?? `http://${config.host.ip}:0/status`;
  let doc: StatusDocument;
  try {
    doc = JSON.parse((await request(url)).body) as StatusDocument;
  } catch (err) {
    io.err(`sersync-ts: no agent answers on ${url} (${(err as Error).message}); is it running with this config?`);
    return EXIT.FAILURE;
  }
  io.out(
    `sersync-ts pid ${doc.pid}, up ${doc.uptimeSeconds} s: ${doc.description}${doc.healthy ? '' : ` — UNHEALTHY: ${doc.healthReasons.join('; ')}`}`,
  );
  io.out(`fail log entries: ${doc.failLogEntries}`);
  for (const r of doc.roots) {
    io.out(
      `${r.path} (${r.watchedDirectories} directories watched${r.files !== undefined ? `, ${r.files} files` : ''})`,
    );
    if (r.heldDeletions)
      io.out(
        `  DELETIONS HELD by the mass-deletion brake: ${r.heldDeletions} path(s) since ${r.deletionsHeldSince ?? '?'}; release with: sersync-ts release-deletes -o ${config.file} --root ${r.path}`,
      );
    for (const l of r.remotes) {
      const age = l.oldestPendingAgeMs !== null ? `, oldest ${Math.round(l.oldestPendingAgeMs / 1000)} s` : '';
      const prog = l.fullSyncProgress
        ? `, full sync: ${l.fullSyncProgress.bytesDone} bytes, ${l.fullSyncProgress.filesTransferred} files, ${l.fullSyncProgress.rate}`
        : '';
      io.out(
        `  -> ${l.remote}: ${l.state}, ${l.pendingPaths + l.inFlightPaths} pending${age}, last success ${l.lastSuccess ?? 'never'}${l.lastError ? `, last error: ${l.lastError}` : ''}${prog}`,
      );
    }
  }
  // Non-zero while anything is not delivered: a lane down, refused or without its root, or stuck (unhealthy).
  const blocked = doc.roots.flatMap((r) =>
    r.remotes
      .filter((l) => (NOT_DELIVERING as readonly string[]).includes(l.state))
      .map((l) => `${r.path} -> ${l.remote} is ${l.state}`),
  );
  if (blocked.length > 0) io.out(`not delivering: ${blocked.join('; ')}`);
  // Held deletions are not delivered either: the agent is healthy (it does what the brake was set to
  // do, so /healthz stays 200 and no watchdog restarts it), but an operator must act on them.
  const held = doc.roots.filter((r) => (r.heldDeletions ?? 0) > 0).map((r) => `${r.path} (${r.heldDeletions})`);
  if (held.length > 0)
    io.out(
      `deletions held, not delivered: ${held.join('; ')}; release with sersync-ts release-deletes -o ${config.file}`,
    );
  return doc.healthy && blocked.length === 0 && held.length === 0 ? EXIT.OK : EXIT.FAILURE;
}
