import type { PendingEntry } from '../aggregate/types.js';

/**
 * One look at the disk for the lanes of a root that send the same batch at the same moment.
 * A root with N remotes hands each change to N lanes, and idle lanes all take it in the same turn
 * of the event loop: each read the same paths again (a 5,000-file burst to 8 remotes: 8 rounds of
 * 5,000 lstats and the fold's directory reads on the main thread). A lane whose batch and kind of
 * look equal those of a look still in flight waits for that one instead, unless the root's lanes
 * were handed new changes since that look began (changed()). So every change the joining lane
 * knows of came before the look began, as with a look of its own; a change after it comes as
 * new entries and another batch. Once a look has ended it is never handed out again.
 */
export class SharedLook<T> {
  private inFlight: {
    readonly entries: readonly PendingEntry[];
    readonly kind: string;
    readonly look: Promise<T>;
  } | null = null;

  /** The root's lanes are being handed new changes: the look in flight is no one else's now. */
  changed(): void {
    this.inFlight = null;
  }

  /**
   * The look for `entries`: the one in flight (`joined`), or `read()`'s. `kind`: what else decides
   * the look besides the entries (which slot, deletions first).
   */
  look(entries: readonly PendingEntry[], kind: string, read: () => Promise<T>): { look: Promise<T>; joined: boolean } {
    const f = this.inFlight;
    if (f && f.kind === kind && sameEntries(f.entries, entries)) return { look: f.look, joined: true };
    const look = read();
    const mine = { entries, kind, look };
    this.inFlight = mine;
    const done = (): void => {
      if (this.inFlight === mine) this.inFlight = null;
    };
    look.then(done, done);
    return { look, joined: false };
  }
}

function sameEntries(a: readonly PendingEntry[], b: readonly PendingEntry[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.path !== b[i]!.path || a[i]!.kind !== b[i]!.kind) return false;
  return true;
}
