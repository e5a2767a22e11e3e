import type { BytePath } from '../shared/bytepath.js';
import { covers, MERGE } from './merge.js';
import type { AggregateLimits, PendingEntry, PendingKind } from './types.js';

/** A pending entry with its timing: when it first became dirty and when it last changed. */
export interface TimedEntry {
  kind: PendingKind;
  first: number;
  last: number;
}

/**
 * A path component, and the entry of its path when `kind` is set (its first and last change then
 * mean something). The entry's fields live in the node, not in an object of their own: with the
 * entries listed without an iterator's pair each (entries()), a 20,000-path deploy promoted 33.5-33.7
 * MB instead of 35.0-35.2 (sampling heap profile, 2 runs each; issue 21, round 25).
 */
interface Node {
  readonly path: BytePath;
  readonly parent: Node | null;
  children: Map<string, Node> | null;
  kind: PendingKind | null;
  first: number;
  last: number;
  /** Entries held by direct children (for the per-directory roll-up). */
  directEntries: number;
}

/** A node that holds an entry. */
type EntryNode = Node & TimedEntry;
const holds = (n: Node): n is EntryNode => n.kind !== null;

/** What an add did, so the aggregator can (re)schedule the entry that now holds the change. */
type AddOutcome = { readonly holder: BytePath } | { readonly fullSync: true };

/**
 * Dirty paths of one root as a trie of path components. A covering entry ('path' or 'tree')
 * makes everything below it redundant (subsumption); too many entries in one directory roll up
 * into a 'tree' entry for it, and in the root (or overall) into a full sync: overflow widens,
 * it never drops. add() costs O(depth); removing a subtree costs its size once.
 */
export class PathTrie {
  private readonly root: Node = {
    path: '',
    parent: null,
    children: null,
    kind: null,
    first: 0,
    last: 0,
    directEntries: 0,
  };
  private readonly byPath = new Map<BytePath, EntryNode>();
  private full = false;
  private fullFirst = Infinity;

  constructor(private readonly limits: AggregateLimits) {}

  get size(): number {
    return this.byPath.size;
  }

  get fullSync(): boolean {
    return this.full;
  }

  /** When the full sync was first requested (Infinity when none is). */
  get fullSyncSince(): number {
    return this.fullFirst;
  }

  /** The entry of `path` as it is now (read it before the next change of the trie). */
  entry(path: BytePath): TimedEntry | null {
    return this.byPath.get(path) ?? null;
  }

  requestFullSync(now: number): void {
    if (!this.full) this.fullFirst = now;
    this.full = true;
    this.clear();
  }

  add(path: BytePath, kind: PendingKind, now: number, first = now): AddOutcome {
    if (this.full) return { fullSync: true };
    let node = this.root;
    let start = 0;
    for (;;) {
      // An ancestor that covers this path absorbs it; its subtree is still changing.
      if (holds(node) && covers(node.kind) && node !== this.root) {
        node.last = Math.max(node.last, now);
        node.first = Math.min(node.first, first);
        return { holder: node.path };
      }
      const slash = path.indexOf('/', start);
      const name = slash < 0 ? path.slice(start) : path.slice(start, slash);
      node.children ??= new Map();
      let child = node.children.get(name);
      if (!child) {
        child = {
          path: slash < 0 ? path : path.slice(0, slash),
          parent: node,
          children: null,
          kind: null,
          first: 0,
          last: 0,
          directEntries: 0,
        };
        node.children.set(name, child);
      }
      node = child;
      if (slash < 0) break;
      start = slash + 1;
    }
    if (holds(node)) {
      node.kind = MERGE[node.kind][kind];
      node.last = Math.max(node.last, now);
      node.first = Math.min(node.first, first);
    } else {
      node.kind = kind;
      node.first = first;
      node.last = now;
      this.byPath.set(path, node as EntryNode);
      node.parent!.directEntries++;
    }
    if (covers(node.kind) && node.children) {
      node.first = Math.min(node.first, this.dropBelow(node));
    }
    return this.rollUp(node);
  }

  /** Removes one entry (it was shipped); its subtree (if any) stays. */
  remove(path: BytePath): TimedEntry | null {
    const node = this.byPath.get(path);
    if (!node) return null;
    const e: TimedEntry = { kind: node.kind, first: node.first, last: node.last };
    (node as Node).kind = null;
    this.byPath.delete(path);
    node.parent!.directEntries--;
    this.prune(node);
    return e;
  }

  /** Every entry, sorted by path bytes (deterministic batches). */
  entries(): PendingEntry[] {
    const out: PendingEntry[] = [];
    // forEach: an iterator's [path, node] pair per entry was 1.1 MB of what a deploy promoted.
    this.byPath.forEach((n, path) => void out.push({ path, kind: n.kind }));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Removes everything, including a pending full sync. */
  takeAll(): { fullSync: boolean; entries: PendingEntry[] } {
    const out = { fullSync: this.full, entries: this.full ? [] : this.entries() };
    this.clear();
    this.full = false;
    this.fullFirst = Infinity;
    return out;
  }

  oldestFirst(): number | null {
    if (this.full) return this.fullFirst;
    let min: number | null = null;
    for (const n of this.byPath.values()) if (min === null || n.first < min) min = n.first;
    return min;
  }

  private clear(): void {
    this.byPath.clear();
    this.root.children = null;
    this.root.directEntries = 0;
  }

  /** Drops every entry below `node`; returns the earliest `first` among them. */
  private dropBelow(node: Node): number {
    let minFirst = Infinity;
    const stack = [...(node.children?.values() ?? [])];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (holds(n)) {
        minFirst = Math.min(minFirst, n.first);
        this.byPath.delete(n.path);
      }
      if (n.children) stack.push(...n.children.values());
    }
    node.children = null;
    node.directEntries = 0;
    return minFirst;
  }

  /** Too many entries in one directory become one 'tree' entry for it (or a full sync). */
  private rollUp(node: Node): AddOutcome {
    if (this.byPath.size > this.limits.maxPendingPaths) {
      this.requestFullSync(this.oldestFirstOr(node));
      return { fullSync: true };
    }
    const parent = node.parent!;
    if (parent.directEntries <= this.limits.maxPathsPerDir) return { holder: node.path };
    if (parent === this.root) {
      this.requestFullSync(this.oldestFirstOr(node));
      return { fullSync: true };
    }
    const first = this.dropBelow(parent);
    const now = holds(node) ? node.last : first;
    // Re-add the directory itself through add(), so its own ancestors and limits are honoured.
    if (!holds(parent)) {
      this.prune(parent);
      return this.add(parent.path, 'tree', now, first);
    }
    parent.kind = MERGE[parent.kind].tree;
    parent.first = Math.min(parent.first, first);
    parent.last = Math.max(parent.last, now);
    return { holder: parent.path };
  }

  private oldestFirstOr(node: Node): number {
    return Math.min(this.oldestFirst() ?? Infinity, holds(node) ? node.first : Infinity);
  }

  /** Removes empty nodes up the chain so memory follows what is pending. */
  private prune(node: Node): void {
    let n: Node | null = node;
    while (n && n !== this.root && !holds(n) && (!n.children || n.children.size === 0)) {
      const parent: Node = n.parent!;
      parent.children?.delete(n.path.slice(n.path.lastIndexOf('/') + 1));
      if (parent.children?.size === 0) parent.children = null;
      n = parent;
    }
  }
}
