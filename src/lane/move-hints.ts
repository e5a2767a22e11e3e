import type { BytePath } from '../shared/bytepath.js';

/** How long a move is remembered: long enough to outlast a remote outage's first retries. */
const TTL_MS = 10 * 60_000;
/** A bulk reorganisation must not grow this without bound; the oldest hints go first. */
const MAX_HINTS = 10_000;

/**
 * Directories moved within one root (new path → old path), as the watcher recognised them.
 * Shared by the root's lanes: when a moved directory ships, the receiver can copy the files it
 * already has at the old path instead of receiving them again. Only an optimisation: a lost or
 * wrong hint changes how many bytes travel, never what the remote ends up holding.
 */
export class MoveHints {
  private readonly hints = new Map<BytePath, { readonly from: BytePath; readonly at: number }>();

  record(to: BytePath, from: BytePath, now: number): void {
    this.hints.delete(to);
    this.hints.set(to, { from, at: now });
    if (this.hints.size > MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
  }

  /** Where `to` was moved from, if that was recorded recently. */
  from(to: BytePath, now: number): BytePath | undefined {
    const h = this.hints.get(to);
    if (!h) return undefined;
    if (now - h.at > TTL_MS) {
      this.hints.delete(to);
      return undefined;
    }
    return h.from;
  }

  get size(): number {
    return this.hints.size;
  }
}
