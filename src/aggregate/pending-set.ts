import { PathTrie } from './path-trie.js';
import type { AggregateLimits, PendingEntry, PendingKind, SyncBatch } from './types.js';

/**
 * A lane's paths waiting to ship (no timing: a lane sends everything it has as soon as its
 * previous batch is done). Same subsumption and roll-up rules as the aggregator.
 */
export class PendingSet {
  private readonly trie: PathTrie;

  constructor(limits: AggregateLimits) {
    this.trie = new PathTrie(limits);
  }

  add(path: string, kind: PendingKind): void {
    this.trie.add(path, kind, 0);
  }

  addAll(entries: readonly PendingEntry[]): void {
    for (const e of entries) this.trie.add(e.path, e.kind, 0);
  }

  requestFullSync(): void {
    this.trie.requestFullSync(0);
  }

  get fullSync(): boolean {
    return this.trie.fullSync;
  }

  get size(): number {
    return this.trie.size;
  }

  has(path: string): boolean {
    return this.trie.entry(path) !== null;
  }

  isEmpty(): boolean {
    return !this.trie.fullSync && this.trie.size === 0;
  }

  /** Everything pending, without removing it (for the journal and the fail log). */
  peek(): SyncBatch {
    return { fullSync: this.trie.fullSync, entries: this.trie.fullSync ? [] : this.trie.entries() };
  }

  /** Removes and returns everything (sorted by path bytes). */
  take(): SyncBatch {
    return this.trie.takeAll();
  }
}
