import type { RsyncConfig } from '../config/types.js';

/** Reading rsync options out of `commonParams` words, and the --delete-WHEN a batch run adds. */

export function hasOption(words: readonly string[], long: string): boolean {
  return words.some((w) => w === long || w.startsWith(`${long}=`));
}

/** A cluster of short options (`-artuz`), not a long option or a value. */
const SHORT_CLUSTER = /^-[A-Za-z0-9]+$/;

export function hasFuzzy(words: readonly string[]): boolean {
  return hasOption(words, '--fuzzy') || words.some((w) => SHORT_CLUSTER.test(w) && w.includes('y'));
}

/** The option itself, or passed to the receiver only (`-M--inplace`, `--remote-option=--inplace`). */
const toReceiver = (w: string): string => w.replace(/^(?:-M|--remote-option=)/, '');

/** The receiver writes into existing files (`--inplace`, `--append`, `--append-verify`). */
export function writesInPlace(words: readonly string[]): boolean {
  const w = words.map(toReceiver);
  return ['--inplace', '--append', '--append-verify'].some((o) => hasOption(w, o));
}

/** The receiver keeps what it replaces or deletes (`-b`, `--backup`, `--backup-dir=DIR`). */
export function keepsBackups(words: readonly string[]): boolean {
  const w = words.map(toReceiver);
  return (
    hasOption(w, '--backup') || hasOption(w, '--backup-dir') || w.some((x) => SHORT_CLUSTER.test(x) && x.includes('b'))
  );
}

/** rsync takes one of these at most ("You may not combine multiple --delete-WHEN options"). */
const DELETE_WHEN = ['--del', '--delete-before', '--delete-during', '--delete-delay', '--delete-after'];

/**
 * `--delete-delay` with --fuzzy and --delete: in a directory sent recursively (1,000 renames
 * rolled up) --delete (during) removed the old names before the new ones could use them as a
 * basis (rsync 3.5.0: 958,500 bytes literal for 200 renames; with it, 0). Not when commonParams
 * already says when to delete: rsync refuses two.
 */
export function deleteDelay(rsync: RsyncConfig, fuzzy: boolean | undefined): string[] {
  const on = fuzzy === true || (fuzzy === undefined && hasFuzzy(rsync.commonParams));
  return on && !DELETE_WHEN.some((w) => hasOption(rsync.commonParams, w)) ? ['--delete-delay'] : [];
}
