import fs from 'node:fs';
import type { BytePath } from '../shared/bytepath.js';
import { Backoff } from '../shared/backoff.js';
import type { WatchProblem } from './types.js';
import type { Ident } from './watch-table.js';

/** A directory that could not be watched (ENOSPC, EMFILE, a watch 'error'...). */
export interface Unwatched {
  readonly ri: number;
  readonly rel: BytePath;
  readonly id: Ident;
}

/**
 * Retries of unwatched directories: after 1 s, doubling while some still fail, up to 1 min (a
 * raised watch limit is noticed within a minute).
 */
const RETRY = { baseMs: 1000, capMs: 60_000 };
/** New failures are gathered this long (a burst of mkdirs fails by the thousand) into one report. */
const REPORT_MS = 200;

interface UnwatchedHooks {
  /**
   * Tries one directory again: false when it is not wanted any more (gone, replaced, or found by
   * a parent's scan), true after watching it was tried (a success calls `watched`).
   */
  retry(u: Unwatched): Promise<boolean>;
  report(p: WatchProblem): void;
}

const depthOf = (rel: BytePath): number => (rel === '' ? 0 : rel.split('/').length);

/**
 * Directories that could not be watched, retried with backoff until they are watched, gone, or
 * replaced; new failures reported as one problem per root (the agent answers with a full sync).
 */
export class UnwatchedDirs {
  /** Keyed `root\0rel`. */
  private readonly items = new Map<string, Unwatched>();
  private readonly newly = new Map<number, { code: string; count: number; first: string }>();
  private readonly retries = new Backoff(RETRY);
  private retryTimer: NodeJS.Timeout | null = null;
  private reportTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly hooks: UnwatchedHooks) {}

  /**
   * Remembers a directory that is not watched. `failure`: why its watch could not be made
   * (reported the first time); null when the caller reported it already.
   */
  mark(ri: number, rel: BytePath, id: Ident, failure: { code: string; message: string } | null): void {
    const key = `${ri}\0${rel}`;
    const known = this.items.has(key);
    this.items.set(key, { ri, rel, id });
    if (!known && failure) {
      const n = this.newly.get(ri);
      if (n) n.count++;
      else this.newly.set(ri, { code: failure.code, count: 1, first: failure.message });
      this.reportTimer ??= setTimeout(() => this.reportNew(), REPORT_MS);
    }
    this.schedule();
  }

  /** The directory is watched now. */
  watched(ri: number, rel: BytePath): void {
    if (this.items.size > 0) this.items.delete(`${ri}\0${rel}`); // (no key built per directory of a scan)
  }

  close(): void {
    this.closed = true;
    for (const t of [this.retryTimer, this.reportTimer]) if (t) clearTimeout(t);
  }

  private reportNew(): void {
    this.reportTimer = null;
    for (const [ri, n] of this.newly) {
      const dirs = `${n.count} director${n.count === 1 ? 'y' : 'ies'}`;
      const message =
        n.code === 'ENOSPC'
          ? `${watchLimitAdvice()}; ${dirs} not watched, retried with backoff`
          : `cannot watch ${dirs} (${n.first}${n.count > 1 ? ', ...' : ''}); retried with backoff`;
      this.hooks.report({ root: ri, code: n.code, message });
    }
    this.newly.clear();
  }

  private schedule(): void {
    if (this.retryTimer || this.closed || this.items.size === 0) return;
    this.retryTimer = setTimeout(() => void this.retryAll(), this.retries.next());
  }

  /** Parents first: a parent's scan takes its children along. */
  private async retryAll(): Promise<void> {
    this.retryTimer = null;
    const items = [...this.items.values()].sort((a, b) => depthOf(a.rel) - depthOf(b.rel));
    for (const u of items) {
      if (this.closed) return;
      const key = `${u.ri}\0${u.rel}`;
      if (this.items.get(key) !== u) continue; // watched meanwhile (by a parent's scan)
      if (!(await this.hooks.retry(u))) this.items.delete(key);
    }
    if (this.items.size === 0) this.retries.reset();
    this.schedule();
  }
}

/** ENOSPC as advice: the exact sysctl to run (never run by us). */
export function watchLimitAdvice(): string {
  let current = 0;
  try {
    current = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
  } catch {
    /* not Linux procfs */
  }
  const suggested = Math.max(current * 2, 524288);
  return `the inotify watch limit (fs.inotify.max_user_watches = ${current}) is exhausted; raise it with: sysctl fs.inotify.max_user_watches=${suggested} (and persist it in /etc/sysctl.d/); sersync-ts never changes sysctls itself`;
}
