/**
 * The dirwatch worker: one fs.watch per directory, in its own thread, so its event loop keeps
 * draining the kernel's inotify queue while the main thread is busy. Watch first, then read the
 * directory, for every directory that appears: files written before its watch existed are still
 * found. Each event is lstat'ed; what exists decides what is reported (events are only hints).
 * Healing: a directory that could not be watched (ENOSPC, EMFILE...) or whose watch failed is
 * retried with backoff and rescanned; each root's identity is checked every few seconds, so a
 * root replaced behind a symlink is re-armed like one moved away.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { fromBytes, joinPath, type BytePath } from '../shared/bytepath.js';
import { compileFilter, type PathFilter } from './filter.js';
import type { ChangeKind, WatchProblem, WatchRootSpec } from './types.js';
import type { FromWorker, ToWorker, WireEvent } from './protocol.js';

/**
 * Which directory a path is. Inode numbers come back at once (ext4 hands a fresh `mkdir` the
 * inode an `rmdir` just freed), so the birth time tells a new directory from the old one; where
 * the filesystem has none it is 0 on both sides and the inode alone decides.
 */
interface Ident {
  readonly ino: number;
  readonly birth: number;
}

function identOf(st: fs.Stats): Ident {
  return { ino: st.ino, birth: st.birthtimeMs };
}

function sameDir(id: Ident, st: fs.Stats): boolean {
  return st.isDirectory() && st.ino === id.ino && st.birthtimeMs === id.birth;
}

interface Watched extends Ident {
  readonly root: number;
  readonly rel: BytePath;
  readonly abs: Buffer;
  readonly handle: fs.FSWatcher;
  readonly children: Set<BytePath>;
}

interface RootState {
  readonly spec: WatchRootSpec;
  readonly abs: Buffer;
  readonly filter: PathFilter;
  /** rel → watched directory ('' is the root itself). */
  readonly dirs: Map<BytePath, Watched>;
  /** inode → rel of each watched directory, to recognise a directory moved within the root. */
  readonly byIno: Map<number, BytePath>;
  /**
   * Entries named like the directory holding them (`d/d`, `<root>/<root basename>`): libuv names
   * a directory's own events (chmod, touch) the same way, so only these are real when missing.
   */
  readonly ownNamed: Set<BytePath>;
  /** Directories whose watch closed moments ago (moved away or deleted): inode → where and when. */
  readonly vanished: Map<number, { readonly rel: BytePath; readonly at: number }>;
  rootIno: number;
  gone: boolean;
}

const FLUSH_MS = 10;
const FLUSH_EVENTS = 2000;
const LSTAT_CONCURRENCY = 64;
const SLASH = Buffer.from('/');
/** A directory that reappears under a new name within this long of vanishing counts as moved. */
const MOVE_WINDOW_MS = 10_000;

const port = parentPort!;
const roots: RootState[] = (workerData as { roots: WatchRootSpec[] }).roots.map((spec) => ({
  spec,
  abs: Buffer.from(spec.path),
  filter: compileFilter(spec.excludes),
  dirs: new Map(),
  byIno: new Map(),
  ownNamed: new Set(),
  vanished: new Map(),
  rootIno: 0,
  gone: false,
}));
let ready = false;
/** Changes kept while the first scan runs, at most; beyond, every root gets a full sync instead. */
const EARLY_EVENTS_MAX = 100_000;
let earlyOverflow = false;
let outbox: WireEvent[] = [];
let flushTimer: NodeJS.Timeout | null = null;
let eventsSeen = 0;
let closing = false;
let rootCheckTimer: NodeJS.Timeout | null = null;

/**
 * Directories that could not be watched (ENOSPC, EMFILE, a watch 'error'...): retried with
 * backoff until they are watched, gone, or replaced. Keyed `root\0rel`.
 */
interface Unwatched {
  readonly ri: number;
  readonly rel: BytePath;
  readonly id: Ident;
}
const unwatched = new Map<string, Unwatched>();
/** First retry of unwatched directories after this long, doubling while some still fail... */
const RETRY_MIN_MS = 1000;
/** ...up to this (a raised watch limit is noticed within a minute). */
const RETRY_MAX_MS = 60_000;
let retryDelayMs = RETRY_MIN_MS;
let retryTimer: NodeJS.Timeout | null = null;
/** Directories that newly failed, per root, reported as one problem per root a moment later. */
const newlyUnwatched = new Map<number, { code: string; count: number; first: string }>();
let reportTimer: NodeJS.Timeout | null = null;
/** New failures are gathered this long (a burst of mkdirs fails by the thousand) into one report. */
const REPORT_MS = 200;
/**
 * How often each root's identity is checked: a root replaced without an event on it (a symlink
 * swap, `ln -sfn release2 current`, where the root is `current`) is otherwise never noticed.
 */
const ROOT_CHECK_MS = 2000;

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function emit(root: number, rel: BytePath, kind: ChangeKind, movedFrom?: BytePath): void {
  if (rel === '') return;
  if (!ready) {
    // The first scan reports nothing itself, but directories it has already watched report real
    // changes: keep them until the scan is done (a long walk must not lose them), up to a bound.
    if (outbox.length >= EARLY_EVENTS_MAX) earlyOverflow = true;
    else outbox.push(movedFrom === undefined ? [root, rel, kind] : [root, rel, kind, movedFrom]);
    return;
  }
  outbox.push(movedFrom === undefined ? [root, rel, kind] : [root, rel, kind, movedFrom]);
  if (outbox.length >= FLUSH_EVENTS) flush();
  else flushTimer ??= setTimeout(flush, FLUSH_MS);
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  if (outbox.length === 0) return;
  const events = outbox;
  outbox = [];
  post({ type: 'events', events });
}

function problem(p: WatchProblem): void {
  flush();
  post({ type: 'problem', problem: p });
}

/** The last component of a watched directory ('' is the root: its path's last component). */
function baseOf(r: RootState, dirRel: BytePath): BytePath {
  return dirRel === '' ? fromBytes(Buffer.from(r.spec.path.slice(r.spec.path.lastIndexOf('/') + 1))) : dirRel.slice(dirRel.lastIndexOf('/') + 1);
}

function absOf(r: RootState, rel: BytePath): Buffer {
  return rel === '' ? r.abs : Buffer.concat([r.abs, SLASH, Buffer.from(rel, 'latin1')]);
}

function watchLimitAdvice(): string {
  let current = 0;
  try {
    current = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
  } catch {
    /* not Linux procfs */
  }
  const suggested = Math.max(current * 2, 524288);
  return `the inotify watch limit (fs.inotify.max_user_watches = ${current}) is exhausted; raise it with: sysctl fs.inotify.max_user_watches=${suggested} (and persist it in /etc/sysctl.d/); sersync-ts never changes sysctls itself`;
}

/** Starts watching one directory (not its children). Returns null when it cannot. */
function watchDir(ri: number, rel: BytePath, id: Ident): Watched | null {
  const r = roots[ri]!;
  const { ino } = id;
  const existing = r.dirs.get(rel);
  if (existing) {
    if (existing.ino === ino && existing.birth === id.birth) return existing;
    closeSubtree(ri, rel); // the same name is a new directory now
  }
  const abs = absOf(r, rel);
  let handle: fs.FSWatcher;
  try {
    handle = fs.watch(abs, { encoding: 'buffer', persistent: true }, (type, name) => onFsEvent(ri, rel, type, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' || code === 'ENOTDIR') return null; // gone already: its parent reports it
    markUnwatched(ri, rel, id, { code, message: code === 'ENOSPC' ? '' : `${abs.toString()}: ${(err as Error).message}` });
    return null;
  }
  handle.on('error', (err: NodeJS.ErrnoException) => {
    if (r.dirs.get(rel)?.handle !== handle) return;
    closeSubtree(ri, rel);
    if (err.code !== 'ENOENT' && err.code !== 'EPERM') problem({ root: ri, code: err.code ?? 'error', message: `watch error on ${abs.toString()}: ${err.message}; watching it again shortly`, path: rel });
    // Re-armed (and rescanned) with backoff, if it is still the same directory by then.
    markUnwatched(ri, rel, id, null);
  });
  unwatched.delete(`${ri}\0${rel}`);
  const w: Watched = { root: ri, rel, abs, ino, birth: id.birth, handle, children: new Set() };
  r.dirs.set(rel, w);
  if (ino !== 0) r.byIno.set(ino, rel);
  if (rel !== '') {
    const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    r.dirs.get(parentRel)?.children.add(rel);
  }
  return w;
}

/** Closes the watcher of `rel` and of every watched directory under it. */
function closeSubtree(ri: number, rel: BytePath): void {
  const r = roots[ri]!;
  const top = r.dirs.get(rel);
  if (top && top.ino !== 0) rememberVanished(r, top.ino, rel);
  const stack = [rel];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    const w = r.dirs.get(cur);
    if (!w) continue;
    r.dirs.delete(cur);
    if (r.byIno.get(w.ino) === cur) r.byIno.delete(w.ino);
    w.handle.close();
    for (const c of w.children) stack.push(c);
  }
  if (rel !== '') {
    const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    r.dirs.get(parentRel)?.children.delete(rel);
  }
}

/**
 * Remembers a directory that is not watched, to retry it with backoff. `failure`: why its watch
 * could not be made (reported, gathered per root, the first time it fails); null when the
 * caller reported it already.
 */
function markUnwatched(ri: number, rel: BytePath, id: Ident, failure: { code: string; message: string } | null): void {
  const key = `${ri}\0${rel}`;
  const known = unwatched.has(key);
  unwatched.set(key, { ri, rel, id });
  if (!known && failure) {
    const n = newlyUnwatched.get(ri);
    if (n) n.count++;
    else newlyUnwatched.set(ri, { code: failure.code, count: 1, first: failure.message });
    reportTimer ??= setTimeout(reportUnwatched, REPORT_MS);
  }
  scheduleRetry();
}

/** One problem per root for the directories that newly failed (the agent answers with a full sync). */
function reportUnwatched(): void {
  reportTimer = null;
  for (const [ri, n] of newlyUnwatched) {
    const dirs = `${n.count} director${n.count === 1 ? 'y' : 'ies'}`;
    const message =
      n.code === 'ENOSPC'
        ? `${watchLimitAdvice()}; ${dirs} not watched, retried with backoff`
        : `cannot watch ${dirs} (${n.first}${n.count > 1 ? ', ...' : ''}); retried with backoff`;
    problem({ root: ri, code: n.code, message });
  }
  newlyUnwatched.clear();
}

function scheduleRetry(): void {
  if (retryTimer || closing || unwatched.size === 0) return;
  retryTimer = setTimeout(() => void retryUnwatched(), retryDelayMs);
}

const depthOf = (rel: BytePath): number => (rel === '' ? 0 : rel.split('/').length);
const parentOf = (rel: BytePath): BytePath => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/**
 * Watches (and scans, reporting what it holds as created) each directory that could not be
 * watched before, if it is still there and the same directory. Parents first: a parent's scan
 * takes its children along.
 */
async function retryUnwatched(): Promise<void> {
  retryTimer = null;
  const items = [...unwatched.values()].sort((a, b) => depthOf(a.rel) - depthOf(b.rel));
  for (const u of items) {
    if (closing) return;
    const key = `${u.ri}\0${u.rel}`;
    if (unwatched.get(key) !== u) continue; // watched meanwhile (by a parent's scan)
    const r = roots[u.ri]!;
    // A lost root is re-armed whole by rootLost; a directory whose parent is not watched is
    // found again by the parent's own scan, once that is watched.
    if (r.gone || (u.rel !== '' && !r.dirs.has(parentOf(u.rel))) || r.dirs.has(u.rel)) {
      unwatched.delete(key);
      continue;
    }
    const st = await (u.rel === '' ? fs.promises.stat(absOf(r, u.rel)) : fs.promises.lstat(absOf(r, u.rel))).catch(() => null);
    if (!st || !sameDir(u.id, st)) {
      unwatched.delete(key); // gone or replaced: its parent's watch reports that
      continue;
    }
    await watchTree(u.ri, u.rel, u.id, true);
  }
  retryDelayMs = unwatched.size > 0 ? Math.min(retryDelayMs * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
  scheduleRetry();
}

/** A root whose path now leads to another directory (or nowhere) is lost: rootLost re-arms it. */
async function checkRoots(): Promise<void> {
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    const w = r.dirs.get('');
    if (r.gone || !w) continue;
    const st = await fs.promises.stat(r.abs).catch(() => null);
    if (closing || r.gone || r.dirs.get('') !== w || (st && sameDir(w, st))) continue;
    void rootLost(i);
  }
}

function rememberVanished(r: RootState, ino: number, rel: BytePath): void {
  const now = performance.now();
  for (const [k, v] of r.vanished) {
    if (now - v.at <= MOVE_WINDOW_MS) break; // insertion order: the rest are newer
    r.vanished.delete(k);
  }
  r.vanished.delete(ino);
  r.vanished.set(ino, { rel, at: now });
}

/**
 * Where a directory that just appeared at `rel` came from, when it is one we watched under
 * another name (same inode): a move within the root. Only a hint (the receiver can then reuse the
 * files it already has); an inode reused by an unrelated directory costs nothing but a lookup.
 */
function movedFrom(r: RootState, ino: number, rel: BytePath): BytePath | undefined {
  const live = r.byIno.get(ino);
  if (live !== undefined && live !== rel) return live;
  const gone = r.vanished.get(ino);
  if (gone && gone.rel !== rel && performance.now() - gone.at <= MOVE_WINDOW_MS) return gone.rel;
  return undefined;
}

/**
 * Watch, then read, a directory tree. `report`: the tree appeared after startup, so every entry
 * in it is new to the remote (emitted as created / dir-created).
 */
async function watchTree(ri: number, rel: BytePath, id: Ident, report: boolean): Promise<void> {
  const r = roots[ri]!;
  const queue: Array<[BytePath, Ident]> = [[rel, id]];
  const worker = async (): Promise<void> => {
    for (let item = queue.pop(); item; item = queue.pop()) {
      const [dirRel, dirId] = item;
      if (!watchDir(ri, dirRel, dirId)) continue;
      let entries: fs.Dirent<Buffer>[];
      try {
        entries = await fs.promises.readdir(absOf(r, dirRel), { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue; // vanished meanwhile: its parent's watcher reports that
      }
      for (const e of entries) {
        const child = joinPath(dirRel, fromBytes(e.name));
        if (fromBytes(e.name) === baseOf(r, dirRel)) r.ownNamed.add(child);
        let isDir = e.isDirectory();
        let childId: Ident = { ino: 0, birth: 0 };
        if (isDir || !(e.isFile() || e.isSymbolicLink() || e.isFIFO() || e.isSocket() || e.isBlockDevice() || e.isCharacterDevice())) {
          const st = await fs.promises.lstat(absOf(r, child)).catch(() => null);
          if (!st) continue;
          isDir = st.isDirectory();
          childId = identOf(st);
        }
        if (r.filter.active && r.filter.excluded(child, isDir)) continue;
        if (isDir) {
          if (report) emit(ri, child, 'dir-created');
          queue.push([child, childId]);
        } else if (report) emit(ri, child, 'created');
      }
    }
  };
  // A worker stops when the queue is momentarily empty while another may still push: repeat.
  while (queue.length > 0) await Promise.all(Array.from({ length: 8 }, worker));
}

// --- event handling: lstat each reported path, with bounded concurrency, deduplicated ---------

interface Job {
  ri: number;
  dirRel: BytePath;
  name: BytePath;
  type: 'rename' | 'change';
}
const jobs: Job[] = [];
const queued = new Map<string, Job>();
let running = 0;

function onFsEvent(ri: number, dirRel: BytePath, type: string, name: Buffer | string | null): void {
  eventsSeen++;
  if (name === null) {
    // No name (rare): re-read the directory so nothing under it is missed.
    void rescanDir(ri, dirRel);
    return;
  }
  const n = typeof name === 'string' ? Buffer.from(name).toString('latin1') : fromBytes(name);
  const key = `${ri}\0${dirRel}\0${n}`;
  const prev = queued.get(key);
  if (prev) {
    if (type === 'rename') prev.type = 'rename';
    return;
  }
  const job: Job = { ri, dirRel, name: n, type: type === 'rename' ? 'rename' : 'change' };
  queued.set(key, job);
  jobs.push(job);
  pump();
}

function pump(): void {
  while (running < LSTAT_CONCURRENCY && jobs.length > 0) {
    const job = jobs.shift()!;
    queued.delete(`${job.ri}\0${job.dirRel}\0${job.name}`);
    running++;
    void handle(job).finally(() => {
      running--;
      pump();
    });
  }
}

async function handle(job: Job): Promise<void> {
  const r = roots[job.ri]!;
  const dir = r.dirs.get(job.dirRel);
  if (!dir) return; // closed meanwhile (its directory went away)
  const rel = joinPath(job.dirRel, job.name);
  // libuv reports events on a watched directory itself (its deletion or move, but also a chmod
  // or touch of it) named after its own basename: a child `d/d` is only what it looks like when
  // it is there, or was known to be there (RootState.ownNamed).
  const ownName = job.name === baseOf(r, job.dirRel);
  const wasThere = ownName && (r.ownNamed.has(rel) || r.dirs.has(rel) || [...r.vanished.values()].some((v) => v.rel === rel));
  if (ownName) await checkSelf(job.ri, job.dirRel);
  if (!r.dirs.has(job.dirRel)) return;
  const st = await fs.promises.lstat(absOf(r, rel)).catch(() => null);
  if (ownName) {
    if (!st && !wasThere) return; // the directory's own event, not a child's
    if (st) r.ownNamed.add(rel);
    else r.ownNamed.delete(rel);
  }
  if (!st) {
    if (r.dirs.has(rel)) closeSubtree(job.ri, rel);
    // An excluded path is never deleted remotely either; what it was is unknowable now, so both.
    if (r.filter.active && (r.filter.excluded(rel, true) || r.filter.excluded(rel, false))) return;
    emit(job.ri, rel, 'removed');
    return;
  }
  const isDir = st.isDirectory();
  if (r.filter.active && r.filter.excluded(rel, isDir)) return;
  if (!isDir) {
    if (r.dirs.has(rel)) closeSubtree(job.ri, rel); // was a directory, now is not
    emit(job.ri, rel, job.type === 'rename' ? 'created' : 'changed');
    return;
  }
  // The same directory still at the same path: its attributes changed (libuv calls a child
  // directory's IN_ATTRIB a 'rename' because of IN_ISDIR), whatever the event type says.
  const known = r.dirs.get(rel);
  if (known && sameDir(known, st)) {
    emit(job.ri, rel, 'dir-changed');
    return;
  }
  emit(job.ri, rel, 'dir-created', movedFrom(r, st.ino, rel));
  await watchTree(job.ri, rel, identOf(st), true);
}

/** A watched directory reported an event named like itself: is it still there, the same one? */
async function checkSelf(ri: number, dirRel: BytePath): Promise<void> {
  const r = roots[ri]!;
  const w = r.dirs.get(dirRel);
  if (!w) return;
  // (the root may be a symlink to its directory: it was stat'ed, not lstat'ed, when watched)
  const st = await (dirRel === '' ? fs.promises.stat(w.abs) : fs.promises.lstat(w.abs)).catch(() => null);
  if ((st && sameDir(w, st)) || r.dirs.get(dirRel) !== w) return; // the same, or re-watched meanwhile
  closeSubtree(ri, dirRel); // its parent's watcher reports the removal of the path itself
  if (dirRel === '') await rootLost(ri);
}

async function rescanDir(ri: number, dirRel: BytePath): Promise<void> {
  const r = roots[ri]!;
  const entries = await fs.promises.readdir(absOf(r, dirRel), { encoding: 'buffer' }).catch(() => []);
  for (const e of entries) onFsEvent(ri, dirRel, 'rename', e);
}

/**
 * The root itself was deleted or moved away (`mv www www.old; mkdir www`). Re-arm on whatever
 * directory has the root's path, as soon as there is one, and ask for a full sync.
 */
async function rootLost(ri: number): Promise<void> {
  const r = roots[ri]!;
  if (r.gone) return;
  r.gone = true;
  closeSubtree(ri, '');
  problem({ root: ri, code: 'root-gone', message: `watched root ${r.spec.path} was removed or replaced; watching for it to come back` });
  for (;;) {
    const st = await fs.promises.stat(r.abs).catch(() => null);
    if (st?.isDirectory()) {
      r.gone = false;
      r.rootIno = st.ino;
      await watchTree(ri, '', identOf(st), false);
      problem({ root: ri, code: 'root-replaced', message: `watched root ${r.spec.path} is back (a new directory); watching it again, full sync follows` });
      return;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stats') {
    post({ type: 'stats', id: msg.id, watchedDirs: roots.map((r) => r.dirs.size), eventsSeen });
  } else if (msg.type === 'close') {
    void drainThenClose();
  }
});

/**
 * On shutdown, changes made just before it must not be lost: give the kernel queue a moment to
 * be read, finish the lstat of every event already taken, send everything, then close.
 */
async function drainThenClose(): Promise<void> {
  closing = true;
  for (const t of [retryTimer, reportTimer, rootCheckTimer]) if (t) clearTimeout(t);
  await new Promise((r) => setTimeout(r, 50));
  const deadline = performance.now() + 5000;
  while ((running > 0 || jobs.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  flush();
  for (let i = 0; i < roots.length; i++) closeSubtree(i, '');
  post({ type: 'closed' });
}

async function start(): Promise<void> {
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    const st = await fs.promises.stat(r.abs).catch(() => null);
    if (!st?.isDirectory()) {
      void rootLost(i);
      continue;
    }
    r.rootIno = st.ino;
    await watchTree(i, '', identOf(st), false);
  }
  ready = true;
  post({ type: 'ready', watchedDirs: roots.map((r) => r.dirs.size) });
  if (earlyOverflow) {
    outbox = [];
    problem({ root: -1, code: 'early-overflow', message: `more than ${EARLY_EVENTS_MAX} changes happened while the first scan ran` });
  } else flush();
  rootCheckTimer = setInterval(() => void checkRoots(), ROOT_CHECK_MS);
}

void start();
