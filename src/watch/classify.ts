import type { ChangeKind } from './types.js';

/** What lstat said about the path an event named, as far as the decision needs it. */
type StatSeen = null | {
  readonly isDir: boolean;
  /** It is the very directory already watched at this path (same inode and birth time). */
  readonly sameAsWatched: boolean;
};

export interface EventFacts {
  /** fs.watch's event type: 'rename' (appeared or vanished) or 'change' (content or metadata). */
  readonly type: 'rename' | 'change';
  /** The lstat of the path after the event; null when it does not exist. */
  readonly stat: StatSeen;
  /** A directory is watched at this path now. */
  readonly watched: boolean;
  /**
   * The event is named like the watched directory it came from (`d` reporting `d`): libuv names
   * a directory's own events (its deletion or move, a chmod or touch) that way too.
   */
  readonly ownName: boolean;
  /** For an own-named event: a child of that name was known to exist (so its loss is real). */
  readonly wasThere: boolean;
  /** The `<filter>` verdict for the path, as a directory or not. */
  excluded(isDir: boolean): boolean;
}

/** What to do about one event; the watcher performs it in this order: ownNamed, close, report, watch. */
export interface EventAction {
  /** How the set of own-named children (see EventFacts.ownName) changes. */
  readonly ownNamed: 'add' | 'delete' | null;
  /** Close the watches of the path and of everything under it. */
  readonly close: boolean;
  /** What to tell the agent, if anything. */
  readonly report: ChangeKind | null;
  /** Watch the path and scan it (a directory appeared: its whole tree is new). */
  readonly watchTree: boolean;
}

/**
 * An event that needs no lstat: a 'change' that names neither a watched directory nor the
 * directory it came from is a file's content or attributes changing (a child directory's
 * IN_ATTRIB comes as 'rename': libuv adds it for IN_ISDIR), reported as changed. If the file went
 * meanwhile, its removal's own 'rename' follows, and the lane looks at the disk before sending
 * anyway. A burst of writes thus costs one lstat per file (its creation), not one per write.
 */
export function isFileChange(f: Pick<EventFacts, 'type' | 'watched' | 'ownName'>): boolean {
  return f.type === 'change' && !f.watched && !f.ownName;
}

const NOTHING: EventAction = { ownNamed: null, close: false, report: null, watchTree: false };

/**
 * What an lstat result means for an event: events are only hints, what exists decides. Missing:
 * removed (and its watches closed). A non-directory: created on 'rename', changed otherwise. The
 * same directory still at its path: its attributes changed (libuv calls a child directory's
 * IN_ATTRIB a 'rename' because of IN_ISDIR), whatever the type says. Another directory: it
 * appeared, and is watched and scanned. An excluded path is never reported; a missing one is
 * tested both as a directory and not, since what it was is unknowable now.
 */
export function classifyEvent(f: EventFacts): EventAction {
  let ownNamed: EventAction['ownNamed'] = null;
  if (f.ownName) {
    if (!f.stat && !f.wasThere) return NOTHING; // the directory's own event, not a child's
    ownNamed = f.stat ? 'add' : 'delete';
  }
  const st = f.stat;
  if (!st) {
    const excluded = f.excluded(true) || f.excluded(false);
    return { ownNamed, close: f.watched, report: excluded ? null : 'removed', watchTree: false };
  }
  if (f.excluded(st.isDir)) return { ...NOTHING, ownNamed };
  if (!st.isDir)
    return { ownNamed, close: f.watched, report: f.type === 'rename' ? 'created' : 'changed', watchTree: false };
  if (st.sameAsWatched) return { ownNamed, close: false, report: 'dir-changed', watchTree: false };
  return { ownNamed, close: false, report: 'dir-created', watchTree: true };
}
