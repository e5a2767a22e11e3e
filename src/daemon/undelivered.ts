import type { SyncBatch } from '../aggregate/types.js';
import type { JournalRecord } from '../journal/codec.js';

/** Pure: per root, a full-sync record when any batch is one, then each path once. */
export function undeliveredRecords(
  roots: readonly { readonly root: string; readonly batches: readonly SyncBatch[] }[],
): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (const { root, batches } of roots) {
    if (batches.some((b) => b.fullSync)) out.push({ type: 'full', root });
    const seen = new Set<string>();
    for (const b of batches) {
      for (const e of b.entries) {
        if (seen.has(e.path)) continue;
        seen.add(e.path);
        out.push({ type: 'path', root, path: e.path, kind: e.kind });
      }
    }
  }
  return out;
}
