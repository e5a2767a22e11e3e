import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirWatcher } from '../../../src/watch/dir-watcher.js';
import type { FromWorker, WireEvent } from '../../../src/watch/protocol.js';
import { waitFor } from '../../helpers/wait.js';

/** The worker's watcher driven as an object, in this thread: messages in by call, out by callback. */
describe('DirWatcher without a thread', () => {
  let tmp: string, root: string, sent: FromWorker[], w: DirWatcher;
  const events = (): WireEvent[] => sent.flatMap((m) => (m.type === 'events' ? m.events : []));
  const problems = (): string[] => sent.flatMap((m) => (m.type === 'problem' ? [m.problem.code] : []));

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dir-watcher-'));
    root = path.join(tmp, 'root');
    fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
    fs.mkdirSync(path.join(root, 'skip.tmp'));
    sent = [];
    w = new DirWatcher([{ path: root, excludes: ['(.*)\\.tmp'] }], (m) => sent.push(m));
  });
  afterEach(async () => {
    w.onMessage({ type: 'close' });
    await waitFor(() => sent.some((m) => m.type === 'closed'), { what: 'closed' });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('start() watches every directory but the excluded ones, then says ready; the file counts follow', async () => {
    await w.start();
    assert.deepEqual(sent.slice(0, 2), [
      { type: 'ready', watchedDirs: [3] }, // root, a, a/b
      { type: 'events', events: [], files: [0], settled: true }, // no file yet
    ]);
  });

  it("the leaves' files are counted once every directory is watched (scan.ts), and no partial count is sent; a leaf's own-named child is known once read", async () => {
    for (const f of ['a/f', 'a/b/g', 'a/b/b', 'a/b/h', 'top']) fs.writeFileSync(path.join(root, f), 'x');
    w.onMessage({ type: 'flow' });
    await w.start();
    assert.deepEqual(sent[0], { type: 'ready', watchedDirs: [3] });
    const counts = sent.findIndex((m) => m.type === 'events' && m.files !== undefined);
    assert.deepEqual(sent[counts], { type: 'events', events: [], files: [5], settled: true });
    assert.ok(
      sent.slice(0, counts).every((m) => m.type !== 'events' || m.files === undefined),
      'no partial count before',
    );
    fs.rmSync(path.join(root, 'a/b/b')); // named like its directory: a leaf's own-named child, read after ready
    await waitFor(() => events().some(([, rel, kind]) => rel === 'a/b/b' && kind === 'removed'), {
      what: "the removal of the leaf's own-named child",
    });
  });

  it('reports a new file, a new directory with what it holds, and a removal; not excluded paths', async () => {
    await w.start();
    fs.writeFileSync(path.join(root, 'a/b/f.txt'), 'x');
    fs.writeFileSync(path.join(root, 'x.tmp'), 'x');
    fs.mkdirSync(path.join(root, 'n'));
    fs.writeFileSync(path.join(root, 'n/g'), 'y');
    await waitFor(() => events().some(([, rel]) => rel === 'a/b/f.txt') && events().some(([, rel]) => rel === 'n'), {
      what: 'the file and the directory',
    });
    fs.rmSync(path.join(root, 'a/b/f.txt'));
    await waitFor(() => events().some(([, rel, kind]) => rel === 'a/b/f.txt' && kind === 'removed'), {
      what: 'the removal',
    });
    assert.ok(
      events().every(([, rel]) => !rel.endsWith('.tmp')),
      JSON.stringify(events()),
    );
    assert.ok(events().some(([ri, rel, kind]) => ri === 0 && rel === 'n' && kind === 'dir-created'));

    w.onMessage({ type: 'stats', id: 7 });
    const stats = sent.find((m) => m.type === 'stats');
    assert.ok(stats && stats.type === 'stats');
    assert.equal(stats.id, 7);
    assert.deepEqual(stats.watchedDirs, [4]); // + n
    assert.ok(stats.eventsSeen > 0);
  });

  it('writes to a file report it changed; a write then a removal ends with the removal', async () => {
    fs.writeFileSync(path.join(root, 'a/w.txt'), 'old');
    fs.writeFileSync(path.join(root, 'a/gone.txt'), 'old');
    fs.writeFileSync(path.join(root, 'a/w.tmp'), 'old');
    await w.start();
    fs.appendFileSync(path.join(root, 'a/w.txt'), ' more');
    fs.appendFileSync(path.join(root, 'a/w.tmp'), ' more');
    fs.appendFileSync(path.join(root, 'a/gone.txt'), ' more');
    fs.rmSync(path.join(root, 'a/gone.txt'));
    const last = (rel: string): string | undefined =>
      events()
        .filter(([, r]) => r === rel)
        .pop()?.[2];
    await waitFor(() => last('a/w.txt') === 'changed' && last('a/gone.txt') === 'removed', {
      what: 'the change and the removal',
    });
    assert.equal(last('a/w.tmp'), undefined, 'an excluded file is not reported');
  });

  it("a burst in one directory (answered from a listing of it): each path's last event says what it is now", async () => {
    const dir = path.join(root, 'a/busy');
    fs.mkdirSync(dir);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(dir, `f${i}`), 'x');
    await w.start();
    for (let i = 0; i < 20; i++) fs.renameSync(path.join(dir, `f${i}`), path.join(dir, `r${i}`));
    for (let i = 20; i < 30; i++) fs.rmSync(path.join(dir, `f${i}`));
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, `n${i}`), 'y');
    fs.writeFileSync(path.join(dir, 'brief'), 'z'); // made and gone before it is looked at
    fs.rmSync(path.join(dir, 'brief'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub/inner'), 'w');
    fs.renameSync(path.join(dir, 'f30'), path.join(dir, 'f0')); // an old name back, another file
    const want = new Map<string, string>([
      ['a/busy/sub', 'dir-created'],
      ['a/busy/sub/inner', 'created'],
    ]);
    for (let i = 0; i < 20; i++) want.set(`a/busy/r${i}`, 'created');
    for (let i = 1; i < 30; i++) want.set(`a/busy/f${i}`, 'removed');
    want.set('a/busy/f30', 'removed');
    want.set('a/busy/f0', 'created');
    for (let i = 0; i < 10; i++) want.set(`a/busy/n${i}`, 'created');
    const last = new Map<string, string>();
    await waitFor(
      () => {
        for (const [, rel, kind] of events()) last.set(rel, kind);
        return [...want.keys()].every((rel) => last.has(rel));
      },
      { what: 'an event for every path of the burst' },
    );
    // Events are delivered in order: once the marker is seen, everything before it was handled.
    fs.writeFileSync(path.join(root, 'marker'), 'x');
    await waitFor(() => events().some(([, rel]) => rel === 'marker'), { what: 'the marker' });
    for (const [, rel, kind] of events()) last.set(rel, kind);
    for (const [rel, kind] of want) assert.equal(last.get(rel), kind, rel);
    assert.ok(!last.has('a/busy/brief') || last.get('a/busy/brief') === 'removed', 'brief: gone, or never seen');
    for (let i = 31; i < 40; i++) assert.equal(last.has(`a/busy/f${i}`), false, `f${i} was not touched`);
  });

  it('a root removed and made again: root-gone, then root-replaced', async () => {
    await w.start();
    fs.rmSync(root, { recursive: true });
    await waitFor(() => problems().includes('root-gone'), { timeoutMs: 30_000, what: 'root-gone' });
    fs.mkdirSync(root);
    await waitFor(() => problems().includes('root-replaced'), { timeoutMs: 30_000, what: 'root-replaced' });
  });

  it('a root missing at start is waited for', async () => {
    fs.rmSync(root, { recursive: true });
    await w.start();
    assert.deepEqual(problems(), ['root-gone']);
    assert.deepEqual(sent.filter((m) => m.type !== 'problem').slice(0, 2), [
      { type: 'ready', watchedDirs: [0] },
      { type: 'events', events: [], files: [0], settled: true },
    ]);
    fs.mkdirSync(root);
    await waitFor(() => problems().includes('root-replaced'), { timeoutMs: 30_000, what: 'root-replaced' });
  });
});

/** A watcher started on the sync roots before the agent knew its canary's directory (watcher-thread.ts). */
describe('DirWatcher told its roots in two steps', () => {
  let tmp: string, sent: FromWorker[], w: DirWatcher;
  const specOf = (name: string): { path: string; excludes: string[] } => ({ path: path.join(tmp, name), excludes: [] });
  /** Its scan of sync (2 directories) is done; the rest of the roots is not known yet. */
  const firstRootWatched = (): Promise<void> =>
    waitFor(
      () => {
        w.onMessage({ type: 'stats', id: 1 });
        const s = sent.filter((m) => m.type === 'stats').at(-1);
        return s?.type === 'stats' && s.watchedDirs[0] === 2;
      },
      { what: 'the first root watched' },
    );

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dir-watcher-2-'));
    fs.mkdirSync(path.join(tmp, 'sync/a'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'canary'));
    sent = [];
    w = new DirWatcher([specOf('sync')], (m) => sent.push(m), undefined, false);
  });
  afterEach(async () => {
    w.onMessage({ type: 'close' });
    await waitFor(() => sent.some((m) => m.type === 'closed'), { what: 'closed' });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('scans the first roots at once, and says ready only once it has scanned the rest too', async () => {
    const started = w.start();
    await firstRootWatched();
    assert.equal(
      sent.some((m) => m.type === 'ready'),
      false,
    );
    // A change made before every root is known is kept, as during any first scan.
    fs.writeFileSync(path.join(tmp, 'sync/a/early.txt'), 'x');
    w.onMessage({ type: 'all-roots', roots: [specOf('sync'), specOf('canary')] });
    await started;
    const ready = sent.find((m) => m.type === 'ready');
    assert.deepEqual(ready?.type === 'ready' && ready.watchedDirs, [2, 1]);
    await waitFor(
      () => sent.some((m) => m.type === 'events' && m.events.some(([ri, rel]) => ri === 0 && rel === 'a/early.txt')),
      {
        what: 'the early change',
      },
    );
    fs.writeFileSync(path.join(tmp, 'canary/n'), 'y');
    await waitFor(
      () => sent.some((m) => m.type === 'events' && m.events.some(([ri, rel]) => ri === 1 && rel === 'n')),
      {
        what: 'an event of the root told later',
      },
    );
  });

  it('told to flow while its first scan runs: sends a change at once, keeps a removal until ready', async () => {
    fs.writeFileSync(path.join(tmp, 'sync/a/old.txt'), 'x');
    const started = w.start();
    await firstRootWatched();
    fs.writeFileSync(path.join(tmp, 'sync/a/kept.txt'), 'x');
    fs.rmSync(path.join(tmp, 'sync/a/old.txt'));
    w.onMessage({ type: 'flow' });
    fs.writeFileSync(path.join(tmp, 'sync/a/new.txt'), 'y');
    const names = (): string[] =>
      sent.flatMap((m) => (m.type === 'events' ? m.events.map(([, rel, kind]) => `${kind} ${rel}`) : []));
    await waitFor(() => names().includes('created a/new.txt') && names().includes('created a/kept.txt'), {
      what: 'the changes made during the scan, before it is done',
    });
    assert.equal(
      sent.some((m) => m.type === 'ready'),
      false,
      'the scan is not done (the rest of the roots is not known yet)',
    );
    assert.equal(names().includes('removed a/old.txt'), false, 'the removal waits for the whole count');
    w.onMessage({ type: 'all-roots', roots: [specOf('sync'), specOf('canary')] });
    await started;
    await waitFor(() => names().includes('removed a/old.txt'), { what: 'the removal, after ready' });
    const readyAt = sent.findIndex((m) => m.type === 'ready');
    const countsAt = sent.findIndex((m) => m.type === 'events' && m.files !== undefined);
    const removalAt = sent.findIndex(
      (m) => m.type === 'events' && m.events.some(([, rel, kind]) => rel === 'a/old.txt' && kind === 'removed'),
    );
    assert.ok(
      readyAt >= 0 && countsAt > readyAt && removalAt > countsAt,
      `ready (${readyAt}), then the counts (${countsAt}), then the removal (${removalAt})`,
    );
  });

  it('refuses a full list that does not begin with the roots it was given', () => {
    void w.start();
    assert.throws(
      () => w.onMessage({ type: 'all-roots', roots: [specOf('canary'), specOf('sync')] }),
      /must extend the first ones/,
    );
    w.onMessage({ type: 'all-roots', roots: [specOf('sync')] });
    assert.throws(() => w.onMessage({ type: 'all-roots', roots: [specOf('sync')] }), /must extend/);
  });
});
