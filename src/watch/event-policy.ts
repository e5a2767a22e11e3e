import type { InotifyToggles } from '../config/types.js';
import type { PendingKind } from '../aggregate/types.js';
import type { ChangeKind } from './types.js';

/**
 * Which `<inotify>` toggles make a watcher event count, and how the path is then listed.
 * fs.watch reports only "rename" and "change", so sersync's eight kernel bits collapse into five
 * kinds; a kind is acted on when ANY toggle that could have produced it is on (README table).
 * Over-syncing is harmless (state-based); missing a change is not.
 */
export const TOGGLES_FOR: Readonly<Record<ChangeKind, readonly (keyof InotifyToggles)[]>> = {
  created: ['createFile', 'closeWrite', 'moveTo', 'modify'],
  changed: ['closeWrite', 'modify', 'attrib'],
  'dir-created': ['createFolder', 'moveTo'],
  'dir-changed': ['attrib'],
  removed: ['delete', 'moveFrom'],
};

const LISTING: Readonly<Record<ChangeKind, PendingKind>> = {
  created: 'path',
  changed: 'path',
  // A new directory is sent whole: files written before its watch existed must arrive too.
  'dir-created': 'tree',
  // chmod of a directory must not resend its subtree.
  'dir-changed': 'dir-only',
  removed: 'path',
};

/** The pending kind for an event, or null when the config says to ignore it. */
export function pendingKindFor(kind: ChangeKind, toggles: InotifyToggles): PendingKind | null {
  return TOGGLES_FOR[kind].some((t) => toggles[t]) ? LISTING[kind] : null;
}
