import { fromText, isUnder, type BytePath } from '../shared/bytepath.js';

/** A path to tell a plugin about; `tree`: a directory that appeared whole (told entry by entry). */
interface ScopedPath {
  readonly path: BytePath;
  readonly tree: boolean;
}

/** Which part of a sync root a plugin sees, and the root its paths are relative to. */
export interface PluginScope {
  /** The plugin's root (absolute): its own localpath, or the sync root. */
  readonly root: string;
  /** The plugin's root relative to the sync root, as a byte path ('' = the sync root itself). */
  readonly prefix: BytePath;
}

/**
 * Pure: a plugin's scope inside one sync root. `watch` is the plugin's own `<localpath watch>`
 * ('' = none: the plugin sees the whole sync root). null when the plugin's root is not in this
 * sync root (the config loader refuses one outside every sync root).
 */
export function scopeIn(syncRoot: string, watch: string): PluginScope | null {
  if (watch === '' || watch === syncRoot) return { root: syncRoot, prefix: '' };
  const base = syncRoot.endsWith('/') ? syncRoot : `${syncRoot}/`;
  if (!watch.startsWith(base)) return null;
  return { root: watch, prefix: fromText(watch.slice(base.length)) };
}

/**
 * Pure: the delivered paths of a sync root → the paths under the plugin's root, relative to it.
 * A directory that appeared whole and holds the plugin's root (or is it) makes the plugin's whole
 * tree new: `{ path: '', tree: true }` (its entries are told, not the root itself). Anything else
 * outside, or the plugin's root itself, is not told.
 */
export function scopePaths(prefix: BytePath, paths: readonly ScopedPath[]): ScopedPath[] {
  if (prefix === '') return [...paths];
  const out: ScopedPath[] = [];
  let wholeTree = false;
  for (const p of paths) {
    if (isUnder(p.path, prefix)) out.push({ path: p.path.slice(prefix.length + 1), tree: p.tree });
    else if (p.tree && (p.path === prefix || isUnder(prefix, p.path))) wholeTree = true;
  }
  return wholeTree ? [{ path: '', tree: true }, ...out] : out;
}
