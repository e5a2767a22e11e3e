import type { SersyncConfig } from '../config/types.js';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import { agentUrl, request } from './http.js';

/**
 * `sersync-ts release-deletes [--root PATH]`: the running agent's mass-deletion brake
 * (`<deleteGuard>`) ships the deletions it holds, through `POST /release-deletes` on its status
 * server, the way `status` and `verify --repair` reach it. Exit 0 released (or nothing was held).
 */
export async function releaseDeletes(config: SersyncConfig, root: string | null, io: Io): Promise<number> {
  const url = agentUrl(config, '/release-deletes');
  if (!url) {
    io.err(
      `sersync-ts: ${config.file}: <host port="0"> turns the agent's status server off, and release-deletes reaches the agent through it: give <host> a port and reload the agent (kill -HUP)`,
    );
    return EXIT.FAILURE;
  }
  let res: { status: number; body: string };
  try {
    res = await request(url, { method: 'POST', body: JSON.stringify({ root }) });
  } catch (err) {
    io.err(`sersync-ts: no agent answers on ${url} (${(err as Error).message}); is it running with this config?`);
    return EXIT.FAILURE;
  }
  let doc: { released?: Array<{ root: string; paths: number }>; error?: string };
  try {
    doc = JSON.parse(res.body) as typeof doc;
  } catch {
    doc = { error: `unexpected answer (HTTP ${res.status}): ${res.body.slice(0, 200)}` };
  }
  if (res.status !== 200 || !doc.released) {
    io.err(`sersync-ts: release-deletes: ${doc.error ?? `HTTP ${res.status}`}`);
    return EXIT.FAILURE;
  }
  for (const r of doc.released)
    io.out(
      r.paths > 0
        ? `${r.root}: ${r.paths} held deletion(s) released; the agent ships them now`
        : `${r.root}: no deletions held`,
    );
  return EXIT.OK;
}
