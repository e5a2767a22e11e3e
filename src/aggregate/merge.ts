import type { PendingKind } from './types.js';

/**
 * The same path made dirty twice: MERGE[old][new]. Because rsync sends state, not events, the
 * only question is how the path must be listed; the wider listing wins.
 */
export const MERGE: Readonly<Record<PendingKind, Readonly<Record<PendingKind, PendingKind>>>> = {
  // A plain path is already listed recursively by rsync -r; only a known whole subtree widens it.
  path: { path: 'path', tree: 'tree', 'dir-only': 'path' },
  // A subtree listing carries the directory's attributes and every change below it.
  tree: { path: 'tree', tree: 'tree', 'dir-only': 'tree' },
  // Attribute-only is the narrowest: anything else about the path replaces it.
  'dir-only': { path: 'path', tree: 'tree', 'dir-only': 'dir-only' },
};

/** Does an entry of this kind cover (make redundant) every path below it? */
export function covers(kind: PendingKind): boolean {
  return kind !== 'dir-only';
}
