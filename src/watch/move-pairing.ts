import type { BytePath } from '../shared/bytepath.js';

/** A directory that reappears under a new name within this long of vanishing counts as moved. */
export const MOVE_WINDOW_MS = 10_000;

/**
 * Pairs a directory that appears with the one that vanished moments ago under another name (the
 * same inode): a move within the root. fs.watch reports a move as two unrelated names, and the
 * watch of the old name closes before the new one is seen, so the old place is remembered here
 * for a while. Only a hint (the receiver can then reuse the files it already has); an inode
 * reused by an unrelated directory costs nothing but a lookup. Pure: time is a parameter.
 */
export class MovePairing {
  /** inode → where and when its watch closed; insertion order is age order (re-set on reuse). */
  private readonly vanished = new Map<number, { readonly rel: BytePath; readonly at: number }>();

  /** The watched directory `ino` at `rel` is no longer watched (moved away or deleted). */
  vanish(ino: number, rel: BytePath, now: number): void {
    for (const [k, v] of this.vanished) {
      if (now - v.at <= MOVE_WINDOW_MS) break; // insertion order: the rest are newer
      this.vanished.delete(k);
    }
    this.vanished.delete(ino);
    this.vanished.set(ino, { rel, at: now });
  }

  /**
   * Where the directory `ino` that just appeared at `rel` came from, if it is one we watched
   * under another name. `live`: where a directory with this inode is watched right now, if
   * anywhere (a move whose old name has not been noticed yet).
   */
  sourceOf(ino: number, rel: BytePath, live: BytePath | undefined, now: number): BytePath | undefined {
    if (live !== undefined && live !== rel) return live;
    const gone = this.vanished.get(ino);
    if (gone && gone.rel !== rel && now - gone.at <= MOVE_WINDOW_MS) return gone.rel;
    return undefined;
  }

  /** True when a directory vanished from `rel` and is still remembered (whatever its age). */
  wasAt(rel: BytePath): boolean {
    for (const v of this.vanished.values()) if (v.rel === rel) return true;
    return false;
  }
}
