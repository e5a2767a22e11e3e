import type { PendingKind } from '../aggregate/types.js';
import { decodePath, encodePath } from '../shared/path-codec.js';
import type { BytePath } from '../shared/bytepath.js';

/** One journaled fact: a path of a root became dirty, or a root needs a full sync. */
export type JournalRecord =
  | { readonly type: 'path'; readonly root: string; readonly path: BytePath; readonly kind: PendingKind }
  | { readonly type: 'full'; readonly root: string }
  /** The mass-deletion brake holds this path's deletion; `release`: the root's holds were released. */
  | { readonly type: 'held'; readonly root: string; readonly path: BytePath }
  | { readonly type: 'release'; readonly root: string }
  | { readonly type: 'clean' };

const KINDS: ReadonlySet<string> = new Set(['path', 'tree', 'dir-only']);

/** One JSON line per record; JSON escapes newlines, and non-UTF-8 names go as base64. */
export function encodeRecord(r: JournalRecord): string {
  switch (r.type) {
    case 'path':
      return `${JSON.stringify({ r: r.root, p: encodePath(r.path), k: r.kind })}\n`;
    case 'full':
      return `${JSON.stringify({ r: r.root, full: true })}\n`;
    case 'held':
      return `${JSON.stringify({ r: r.root, p: encodePath(r.path), held: true })}\n`;
    case 'release':
      return `${JSON.stringify({ r: r.root, release: true })}\n`;
    case 'clean':
      return `${JSON.stringify({ clean: true })}\n`;
  }
}

/**
 * Reads a journal. A torn last line (the process died mid-write) or any unparsable line is
 * skipped; what parses still counts. `clean` is true only when the last record says so.
 */
export function decodeJournal(text: string): { records: JournalRecord[]; skipped: number; clean: boolean } {
  const records: JournalRecord[] = [];
  let skipped = 0;
  let clean = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    clean = false;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      skipped++;
      continue;
    }
    if (o['clean'] === true) {
      clean = true;
      continue;
    }
    if (typeof o['r'] !== 'string') {
      skipped++;
      continue;
    }
    if (o['full'] === true) {
      records.push({ type: 'full', root: o['r'] });
      continue;
    }
    if (o['release'] === true) {
      records.push({ type: 'release', root: o['r'] });
      continue;
    }
    const p = decodePath(o['p']);
    if (o['held'] === true && p !== null) {
      records.push({ type: 'held', root: o['r'], path: p });
      continue;
    }
    const k = o['k'];
    if (p === null || typeof k !== 'string' || !KINDS.has(k)) {
      skipped++;
      continue;
    }
    records.push({ type: 'path', root: o['r'], path: p, kind: k as PendingKind });
  }
  return { records, skipped, clean };
}
