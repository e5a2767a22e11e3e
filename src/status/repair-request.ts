import type { PendingEntry, PendingKind } from '../aggregate/types.js';
import { decodePath, encodePath, type EncodedPath } from '../shared/path-codec.js';

/**
 * `POST /repair`: what `sersync-ts verify --repair` asks a running agent to send, so the agent's
 * lanes do it and the fail log keeps one writer. Names travel as in the journal and the fail
 * log: a UTF-8 string, or `{"b64": ...}` for a name that is not valid UTF-8. Pure.
 *
 *   {"lanes": [{"root": "/src", "remote": "127.0.0.1::www",
 *               "paths": [{"path": "a.txt", "kind": "path"}, {"path": {"b64": "/w=="}, "kind": "path"}]}]}
 */
interface RepairLaneRequest {
  readonly root: string;
  readonly remote: string;
  readonly entries: readonly PendingEntry[];
}

export interface RepairRequest {
  readonly lanes: readonly RepairLaneRequest[];
}

/** What the agent did with each lane of a request. */
export interface RepairLaneResult {
  readonly root: string;
  readonly remote: string;
  readonly paths: number;
  readonly delivered: boolean;
  readonly state: string;
  readonly lastError: string | null;
}

const KINDS: readonly PendingKind[] = ['path', 'tree', 'dir-only'];

export function encodeRepairRequest(req: RepairRequest): string {
  return JSON.stringify({
    lanes: req.lanes.map((l) => ({
      root: l.root,
      remote: l.remote,
      paths: l.entries.map((e): { path: EncodedPath; kind: PendingKind } => ({
        path: encodePath(e.path),
        kind: e.kind,
      })),
    })),
  });
}

/** A relative path inside the root: no leading `/`, no `..`, nothing empty (`.` alone is the root). */
function safeRelative(p: string): boolean {
  if (p === '.') return true;
  return (
    p !== '' &&
    !p.startsWith('/') &&
    p.split('/').every((c) => c !== '' && c !== '.' && c !== '..') &&
    !p.includes('\0')
  );
}

/** The request, checked: every problem is one line naming what is wrong. */
export function parseRepairRequest(body: string): RepairRequest | { readonly error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const lanes = (doc as { lanes?: unknown } | null)?.lanes;
  if (!Array.isArray(lanes)) return { error: 'expected {"lanes": [...]}' };
  const out: RepairLaneRequest[] = [];
  for (const [i, l] of lanes.entries()) {
    const { root, remote, paths } = (l ?? {}) as { root?: unknown; remote?: unknown; paths?: unknown };
    if (typeof root !== 'string' || typeof remote !== 'string' || !Array.isArray(paths))
      return { error: `lanes[${i}]: expected {"root": string, "remote": string, "paths": [...]}` };
    const entries: PendingEntry[] = [];
    for (const [j, p] of paths.entries()) {
      const { path, kind } = (p ?? {}) as { path?: unknown; kind?: unknown };
      const decoded = decodePath(path);
      if (decoded === null || !safeRelative(decoded))
        return {
          error: `lanes[${i}].paths[${j}]: expected a relative path inside the root, got ${JSON.stringify(path)}`,
        };
      if (!KINDS.includes(kind as PendingKind))
        return {
          error: `lanes[${i}].paths[${j}].kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
        };
      entries.push({ path: decoded, kind: kind as PendingKind });
    }
    out.push({ root, remote, entries });
  }
  return { lanes: out };
}
