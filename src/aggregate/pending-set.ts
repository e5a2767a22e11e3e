import { PathTrie } from './path-trie.js';
import type { AggregateLimits, PendingEntry, PendingKind, SyncBatch } from './types.js';

/**
 * A lane's paths waiting to ship (no timing: a lane sends everything it has as soon as its
 * previous batch is done). Same subsumption and roll-up rules as the aggregator.
 */
export class PendingSet {
  private readonly trie: PathTrie;
  /**
   * A batch cut taken as it is (adopt), while nothing else is pending: the usual case, an idle
   * lane handed the aggregator's cut, costs no trie. A 5,000-path burst was built into this set's
   * trie and taken out again, sorted, by every lane of the root (issue 21, round 19).
   */
  private adopted: readonly PendingEntry[] | null = null;

  constructor(limits: AggregateLimits) {
    this.trie = new PathTrie(limits);
  }

  add(path: string, kind: PendingKind): void {
    this.unadopt();
    this.trie.add(path, kind, 0);
  }

  addAll(entries: readonly PendingEntry[]): void {
    this.unadopt();
    this.intoTrie(entries);
  }

  /**
   * addAll for entries that already obey this set's rules: an aggregator's cut under the same
   * limits, or part of one (no entry covers another, no directory over its roll-up). Kept as they
   * are when nothing is pending and they are sorted as take() sorts; otherwise added one by one.
   */
  adopt(entries: readonly PendingEntry[]): void {
    if (entries.length === 0) return; // (all of it held back by the large-file slot)
    if (this.isEmpty() && this.adopted === null && sortedByPath(entries)) this.adopted = entries;
    else this.addAll(entries);
  }

  requestFullSync(): void {
    this.adopted = null; // covered
    this.trie.requestFullSync(0);
  }

  get fullSync(): boolean {
    return this.trie.fullSync;
  }

  get size(): number {
    return this.adopted?.length ?? this.trie.size;
  }

  isEmpty(): boolean {
    return !this.trie.fullSync && this.size === 0;
  }

  /** Everything pending, without removing it (for the journal and the fail log). */
  peek(): SyncBatch {
    if (this.adopted) return { fullSync: false, entries: this.adopted };
    return { fullSync: this.trie.fullSync, entries: this.trie.fullSync ? [] : this.trie.entries() };
  }

  /** Removes and returns everything (sorted by path bytes). */
  take(): SyncBatch {
    const adopted = this.adopted;
    this.adopted = null;
    return adopted ? { fullSync: false, entries: adopted } : this.trie.takeAll();
  }

  /** Something else is pending now: the adopted entries go into the trie first. */
  private unadopt(): void {
    const adopted = this.adopted;
    if (adopted === null) return;
    this.adopted = null;
    this.intoTrie(adopted);
  }

  private intoTrie(entries: readonly PendingEntry[]): void {
    for (const e of entries) this.trie.add(e.path, e.kind, 0);
  }
}

/** Strictly ascending, as PathTrie.entries() sorts (no path twice). */
function sortedByPath(entries: readonly PendingEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (!(entries[i - 1]!.path < entries[i]!.path)) return false;
  return true;
}
