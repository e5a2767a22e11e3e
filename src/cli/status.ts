import type { SersyncConfig } from '../config/types.js';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import type { StatusDocument } from '../daemon/status-doc.js';
import { agentUrl, request } from './http.js';

/** `sersync-ts status`: a human summary of the running agent, read from its /status. */
export async function printStatus(config: SersyncConfig, io: Io): Promise<number> {
  const url = agentUrl(config, '/status') ?? `http://${config.host.ip}:0/status`;
  let doc: StatusDocument;
  try {
    doc = JSON.parse((await request(url)).body) as StatusDocument;
  } catch (err) {
    io.err(`sersync-ts: no agent answers on ${url} (${(err as Error).message}); is it running with this config?`);
    return EXIT.FAILURE;
  }
  io.out(`sersync-ts pid ${doc.pid}, up ${doc.uptimeSeconds} s: ${doc.description}${doc.healthy ? '' : ` — UNHEALTHY: ${doc.healthReasons.join('; ')}`}`);
  io.out(`fail log entries: ${doc.failLogEntries}`);
  for (const r of doc.roots) {
    io.out(`${r.path} (${r.watchedDirectories} directories watched)`);
    for (const l of r.remotes) {
      const age = l.oldestPendingAgeMs !== null ? `, oldest ${Math.round(l.oldestPendingAgeMs / 1000)} s` : '';
      const prog = l.fullSyncProgress ? `, full sync: ${l.fullSyncProgress.bytesDone} bytes, ${l.fullSyncProgress.filesTransferred} files, ${l.fullSyncProgress.rate}` : '';
      io.out(`  -> ${l.remote}: ${l.state}, ${l.pendingPaths + l.inFlightPaths} pending${age}, last success ${l.lastSuccess ?? 'never'}${l.lastError ? `, last error: ${l.lastError}` : ''}${prog}`);
    }
  }
  return doc.healthy ? EXIT.OK : EXIT.FAILURE;
}
