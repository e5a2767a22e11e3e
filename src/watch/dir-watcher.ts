/**
 * The watcher that runs in the dirwatch worker (dirwatch-worker.ts is the thread's thin shell):
 * one fs.watch per directory. It wires the parts and owns the fs.watch handles: scan.ts (watch,
 * then read, each tree), watch-table.ts (what is watched), classify.ts (what an lstat or listing
 * says about an event: events are only hints), event-queue.ts and dir-listings.ts (the events
 * waiting; a directory's listing for many of them), unwatched.ts (a directory that could not be
 * watched is retried with backoff), outbox.ts (batched messages, protocol.ts). A root replaced
 * behind a symlink is found by a check every few seconds. Messages in and out are plain calls.
 */
import fs from 'node:fs';
import { joinPath, parentOf, type BytePath } from '../shared/bytepath.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { classifyEvent, isFileChange } from './classify.js';
import { watchDirectory, type DirHandle, type DirHandleOwner } from './dir-handle.js';
import { DirListings } from './dir-listings.js';
import { EventQueue, type FsEventJob } from './event-queue.js';
import { FileRecount } from './file-recount.js';
import { Outbox } from './outbox.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { extendsRoots, rootState, type RootState } from './root-state.js';
import { listUnlisted, scanTree } from './scan.js';
import type { ChangeKind, WatchRootSpec } from './types.js';
import { UnwatchedDirs, type Unwatched } from './unwatched.js';
import { identOf, sameDir, type Ident, type Watched } from './watch-table.js';

const LSTAT_CONCURRENCY = 64;
/**
 * How often each root's identity is checked: a root replaced without an event on it (a symlink
 * swap, `ln -sfn release2 current`, where the root is `current`) is otherwise never noticed.
 */
const ROOT_CHECK_MS = 2000;

export class DirWatcher implements DirHandleOwner {
  private readonly outbox: Outbox;
  private readonly unwatched: UnwatchedDirs;
  private readonly queue: EventQueue;
  private readonly listings = new DirListings();
  private readonly roots: RootState[];
  private readonly recounts: FileRecount;
  private eventsSeen = 0;
  private closing = false;
  private rootCheckTimer: NodeJS.Timeout | null = null;
  /** Whether every root is known (roots given later: allRoots), and who waits for that. */
  private final: boolean;
  private moreRoots: (() => void) | null = null;

  constructor(
    specs: readonly WatchRootSpec[],
    private readonly post: (msg: FromWorker) => void,
    private readonly clock: Clock = systemClock,
    /** False: more roots come later, in an `all-roots` message (allRoots). */
    final = true,
  ) {
    this.final = final;
    this.outbox = new Outbox(
      post,
      () => this.roots.map((r) => r.table.files),
      () => this.queue.idle,
      () => this.clock.now(),
    );
    this.unwatched = new UnwatchedDirs({ retry: (u) => this.retryUnwatched(u), report: (p) => this.outbox.problem(p) });
    this.queue = new EventQueue(LSTAT_CONCURRENCY, (job) => this.handleEvent(job), this.listings);
    this.roots = [];
    this.addRoots(specs);
    this.recounts = new FileRecount(this.roots, () => this.queue.idle, clock);
  }

  private addRoots(specs: readonly WatchRootSpec[]): void {
    const watcher = {
      watch: (ri: number, rel: BytePath, id: Ident) => this.watchDir(ri, rel, id) !== null,
      emit: (ri: number, rel: BytePath, kind: ChangeKind) => this.outbox.emit(ri, rel, kind),
    };
    for (const spec of specs) this.roots.push(rootState(spec, this.roots.length, this.clock, watcher));
  }

  /**
   * The roots, all of them: the ones this watcher began with must come first, unchanged (a
   * thread started before the agent knew its canary's directory: watcher-thread.ts). The first
   * scan takes in the rest, and says ready only after this.
   */
  private allRoots(specs: readonly WatchRootSpec[]): void {
    const mine = this.roots.map((r) => r.spec);
    if (this.final || !extendsRoots(mine, specs))
      throw new Error('dirwatch: the roots told later must extend the first ones');
    this.addRoots(specs.slice(mine.length));
    this.final = true;
    this.moreRoots?.();
  }

  /** Starts watching one directory (not its children). Returns null when it cannot. */
  private watchDir(ri: number, rel: BytePath, id: Ident): Watched<DirHandle> | null {
    if (this.closing) return null; // (a scan still running ends quickly)
    const { table } = this.roots[ri]!;
    const existing = table.get(rel);
    if (existing) {
      if (existing.ino === id.ino && existing.birth === id.birth) return existing;
      table.closeSubtree(rel, this.clock.now()); // the same name is a new directory now
    }
    let handle: DirHandle;
    try {
      handle = watchDirectory(table.absOf(rel), this, ri, rel);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT' || code === 'ENOTDIR') return null; // gone already: its parent reports it
      this.unwatched.mark(ri, rel, id, {
        code,
        message: code === 'ENOSPC' ? '' : `${table.absOf(rel).toString()}: ${(err as Error).message}`,
      });
      return null;
    }
    this.unwatched.watched(ri, rel);
    return table.add(rel, id, handle);
  }

  /** A watch failed ('error' on its handle): close its subtree, retry it with backoff. */
  watchFailed(handle: DirHandle, err: NodeJS.ErrnoException): void {
    const { ri, rel } = handle;
    const { table } = this.roots[ri]!;
    const w = table.get(rel);
    if (w?.handle !== handle) return;
    table.closeSubtree(rel, this.clock.now());
    if (err.code !== 'ENOENT' && err.code !== 'EPERM')
      this.outbox.problem({
        root: ri,
        code: err.code ?? 'error',
        message: `watch error on ${table.absOf(rel).toString()}: ${err.message}; watching it again shortly`,
        path: rel,
      });
    // Re-armed (and rescanned) with backoff, if it is still the same directory by then.
    this.unwatched.mark(ri, rel, { ino: w.ino, birth: w.birth }, null);
  }

  /** Watches (and scans, reporting what it holds as created) a directory that could not be watched before. */
  private async retryUnwatched(u: Unwatched): Promise<boolean> {
    const { table, scan } = this.roots[u.ri]!;
    // A lost root is re-armed whole by rootLost; a directory whose parent is not watched is
    // found again by the parent's own scan, once that is watched.
    if (table.gone || (u.rel !== '' && !table.has(parentOf(u.rel))) || table.has(u.rel)) return false;
    const st = await table.statNow(u.rel);
    if (!st || !sameDir(u.id, st)) return false; // gone or replaced: its parent's watch reports that
    await scanTree(scan, u.rel, u.id, true);
    return true;
  }

  /** A root whose path now leads to another directory (or nowhere) is lost: rootLost re-arms it. */
  private async checkRoots(): Promise<void> {
    for (let i = 0; i < this.roots.length; i++) {
      const { table } = this.roots[i]!;
      const w = table.get('');
      if (table.gone || !w) continue;
      const st = await fs.promises.stat(table.abs).catch(() => null);
      if (this.closing || table.gone || table.get('') !== w || (st && sameDir(w, st))) continue;
      void this.rootLost(i);
    }
  }

  /** An fs.watch event (from the listener every handle shares). */
  onFsEvent(ri: number, dirRel: BytePath, type: string, name: BytePath | null): void {
    this.eventsSeen++;
    if (name === null) {
      // No name (rare): re-read the directory so nothing under it is missed.
      void this.rescanDir(ri, dirRel);
      return;
    }
    this.queue.add(ri, dirRel, name, type);
  }

  /** Looks at what an event names and acts on it (classify.ts decides). */
  private async handleEvent(job: FsEventJob): Promise<void> {
    const { table, filter, scan } = this.roots[job.ri]!;
    if (!table.has(job.dirRel)) return; // closed meanwhile (its directory went away)
    const rel = joinPath(job.dirRel, job.name);
    const ownName = job.name === table.baseOf(job.dirRel);
    const wasThere = ownName && table.knewOwnNamed(rel);
    if (isFileChange({ type: job.type, watched: table.has(rel), ownName })) {
      if (!(filter.active && filter.excluded(rel, false))) this.outbox.emit(job.ri, rel, 'changed');
      return;
    }
    if (ownName) await this.checkSelf(job.ri, job.dirRel);
    if (!table.has(job.dirRel)) return;
    const st = this.listings.statOf(job, rel, this.queue, table); // rel is never the root
    const known = table.get(rel);
    const action = classifyEvent({
      type: job.type,
      stat: st && { isDir: st.isDirectory(), sameAsWatched: known !== undefined && sameDir(known, st) },
      watched: known !== undefined,
      ownName,
      wasThere,
      excluded: (isDir) => filter.active && filter.excluded(rel, isDir),
    });
    if (action.ownNamed === 'add') table.ownNamed.add(rel);
    else if (action.ownNamed === 'delete') table.ownNamed.delete(rel);
    if (action.close) table.closeSubtree(rel, this.clock.now());
    if (action.report === 'removed' && !known) table.fileGone(job.dirRel);
    if (action.report === 'removed' || action.report === 'created') this.recounts.later(job.ri, job.dirRel);
    if (action.report === 'dir-created' && st)
      this.outbox.emit(job.ri, rel, 'dir-created', table.movedFrom(st.ino, rel, this.clock.now()));
    else if (action.report) this.outbox.emit(job.ri, rel, action.report);
    if (action.watchTree && st) await scanTree(scan, rel, identOf(st), true);
  }

  /** A watched directory reported an event named like itself: is it still there, the same one? */
  private async checkSelf(ri: number, dirRel: BytePath): Promise<void> {
    const { table } = this.roots[ri]!;
    const w = table.get(dirRel);
    if (!w) return;
    const st = await table.statNow(dirRel);
    if ((st && sameDir(w, st)) || table.get(dirRel) !== w) return; // the same, or re-watched meanwhile
    table.closeSubtree(dirRel, this.clock.now()); // its parent's watcher reports the removal of the path itself
    if (dirRel === '') await this.rootLost(ri);
  }

  private async rescanDir(ri: number, dirRel: BytePath): Promise<void> {
    const abs = this.roots[ri]!.table.absOf(dirRel);
    for (const e of await fs.promises.readdir(abs, { encoding: 'latin1' }).catch(() => []))
      this.onFsEvent(ri, dirRel, 'rename', e);
  }

  /**
   * The root itself was deleted or moved away (`mv www www.old; mkdir www`). Re-arm on whatever
   * directory has the root's path, as soon as there is one, and ask for a full sync.
   */
  private async rootLost(ri: number): Promise<void> {
    const { spec, table, scan } = this.roots[ri]!;
    if (table.gone) return;
    table.gone = true;
    table.closeSubtree('', this.clock.now());
    this.outbox.problem({
      root: ri,
      code: 'root-gone',
      message: `watched root ${spec.path} was removed or replaced; watching for it to come back`,
    });
    for (;;) {
      const st = await fs.promises.stat(table.abs).catch(() => null);
      if (st?.isDirectory()) {
        table.gone = false;
        await scanTree(scan, '', identOf(st), false).then(() => listUnlisted(scan));
        this.outbox.problem({
          root: ri,
          code: 'root-replaced',
          message: `watched root ${spec.path} is back (a new directory); watching it again, full sync follows`,
        });
        return;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /** A message from the main thread. */
  onMessage(msg: Exclude<ToWorker, { type: 'roots' }>): void {
    if (msg.type === 'all-roots') this.allRoots(msg.roots);
    else if (msg.type === 'flow') this.outbox.flow();
    else if (msg.type === 'stats') {
      this.post({
        type: 'stats',
        id: msg.id,
        watchedDirs: this.roots.map((r) => r.table.size),
        eventsSeen: this.eventsSeen,
      } satisfies FromWorker);
    } else if (msg.type === 'close') {
      void this.drainThenClose();
    }
  }

  /**
   * On shutdown, changes made just before it must not be lost: give the kernel queue a moment to
   * be read, finish the lstat of every event already taken, send everything, then close.
   */
  private async drainThenClose(): Promise<void> {
    this.closing = true;
    this.unwatched.close();
    if (this.rootCheckTimer) clearTimeout(this.rootCheckTimer);
    this.recounts.close();
    await new Promise((r) => setTimeout(r, 50));
    const deadline = this.clock.now() + 5000;
    while (!this.queue.idle && this.clock.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.outbox.flush();
    this.outbox.stop();
    for (const r of this.roots) r.table.closeSubtree('', this.clock.now());
    this.post({ type: 'closed' } satisfies FromWorker);
  }

  async start(): Promise<void> {
    for (let i = 0; ; i++) {
      if (i === this.roots.length && !this.final) await new Promise<void>((r) => (this.moreRoots = r));
      if (i === this.roots.length) break;
      const { table, scan } = this.roots[i]!;
      const st = await fs.promises.stat(table.abs).catch(() => null);
      if (st?.isDirectory()) await scanTree(scan, '', identOf(st), false);
      else void this.rootLost(i);
    }
    this.outbox.watched(this.roots.map((r) => r.table.size));
    for (const r of this.roots) await listUnlisted(r.scan); // the leaves' file counts (scan.ts)
    this.outbox.open(this.roots.map((r) => r.table.size));
    // Closed during the scan: no timer would ever be cleared.
    if (!this.closing) this.rootCheckTimer = setInterval(() => void this.checkRoots(), ROOT_CHECK_MS);
  }
}
