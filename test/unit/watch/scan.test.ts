import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COLD_READS,
  COLD_READS_MAX,
  ColdCache,
  listDir,
  listDirAsync,
  listUnlisted,
  scanTree,
  SLICE_MS,
  SLOW_READ_MS,
  type ScanFs,
  type ScanHost,
  type ScanReads,
} from '../../../src/watch/scan.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { WatchTable } from '../../../src/watch/watch-table.js';

const b = (...x: number[]): string => Buffer.from(x).toString('latin1');

/** Synchronous fake reads, and the same as promises; `calls` counts which were used. */
function withAsync<T extends object>(
  reads: ScanReads<'sync'>,
  extra: T,
): ScanFs & T & { calls: { sync: number; async: number } } {
  const calls = { sync: 0, async: 0 };
  const counted =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      calls.sync++;
      return f(...a);
    };
  const later =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    async (...a: A): Promise<R> => {
      calls.async++;
      return f(...a);
    };
  return {
    ...extra,
    calls,
    readdirTyped: counted(reads.readdirTyped),
    readdirNames: counted(reads.readdirNames),
    lstat: counted(reads.lstat),
    async: {
      readdirTyped: later(reads.readdirTyped),
      readdirNames: later(reads.readdirNames),
      lstat: later(reads.lstat),
    },
  };
}

/** A directory listing as fs would give it; `typed` fails like node's without d_type. */
function fakeFs(
  names: Record<string, 'dir' | 'file' | 'gone'>,
  typed: 'ok' | 'fails',
  opts: { unreadable?: boolean } = {},
): ScanFs & { looked: string[]; calls: { sync: number; async: number } } {
  const looked: string[] = [];
  return withAsync(
    {
      readdirTyped: () => {
        if (opts.unreadable || typed === 'fails') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return Object.entries(names).map(([name, t]) => ({ name, isDirectory: () => t === 'dir' }));
      },
      readdirNames: () => {
        if (opts.unreadable) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return Object.keys(names);
      },
      lstat: (p) => {
        const path = typeof p === 'string' ? Buffer.from(p).toString('latin1') : p.toString('latin1');
        looked.push(path);
        const t = names[path.slice(path.lastIndexOf('/') + 1)];
        return t === undefined || t === 'gone' ? undefined : { ino: 1, birthtimeMs: 0, isDirectory: () => t === 'dir' };
      },
    },
    { looked },
  );
}

const summary = (entries: ReturnType<typeof listDir>): string[] | null =>
  entries && entries.map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`);

describe("listDir: a directory's entries, names as bytes", () => {
  it('the typed listing when the filesystem gives types: no lstat at all', () => {
    const io = fakeFs({ a: 'dir', f: 'file' }, 'ok');
    assert.deepEqual(summary(listDir('/r', io)), ['a/', 'f']);
    assert.deepEqual(io.looked, []);
  });
  it('when the typed listing fails (no d_type: node lstats by a decoded path, and one entry gone fails it all), the names are listed and looked at by their bytes', () => {
    const io = fakeFs({ [b(0x64, 0xff)]: 'dir', [b(0xe9)]: 'file', vanished: 'gone' }, 'fails');
    assert.deepEqual(summary(listDir(Buffer.from(b(0x72, 0xfe), 'latin1'), io)), [`${b(0x64, 0xff)}/`, b(0xe9)]);
    assert.deepEqual(io.looked, [
      `${b(0x72, 0xfe)}/${b(0x64, 0xff)}`,
      `${b(0x72, 0xfe)}/${b(0xe9)}`,
      `${b(0x72, 0xfe)}/vanished`,
    ]);
  });
  it('the same through the threadpool (listDirAsync), fallback included', async () => {
    const io = fakeFs({ [b(0x64, 0xff)]: 'dir', [b(0xe9)]: 'file', vanished: 'gone' }, 'fails');
    assert.deepEqual(summary(await listDirAsync('/r', io)), [`${b(0x64, 0xff)}/`, b(0xe9)]);
    assert.deepEqual(io.calls, { sync: 0, async: 5 });
    assert.deepEqual(summary(await listDirAsync('/r', fakeFs({ a: 'dir', f: 'file' }, 'ok'))), ['a/', 'f']);
  });
  it('null when the directory cannot be read at all (gone meanwhile)', async () => {
    assert.equal(listDir('/r', fakeFs({}, 'ok', { unreadable: true })), null);
    assert.equal(await listDirAsync('/r', fakeFs({}, 'ok', { unreadable: true })), null);
  });
});

/** An in-memory tree under /r: path (byte string) → what it is; `listedAs` lies like a race would. */
interface FakeNode {
  readonly kind: 'dir' | 'file';
  readonly ino: number;
  /** The type the directory listing gives (a race: it changed between readdir and lstat). */
  readonly listedAs?: 'dir' | 'file';
  /** Its filesystem (1, the root's, when not given). */
  readonly dev?: number;
}

/** `onRead`: called with each path read synchronously (a test's clock can make it slow). */
function fakeTree(
  nodes: Record<string, FakeNode>,
  onRead: (path: string) => void = () => {},
  linkCounts = false,
): ScanFs & { calls: { sync: number; async: number } } {
  const key = (p: string | Buffer): string =>
    typeof p === 'string' ? Buffer.from(p).toString('latin1') : p.toString('latin1');
  const childrenOf = (dir: string): string[] =>
    Object.keys(nodes).filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'));
  const io = withAsync(
    {
      readdirTyped: (p) => {
        const dir = key(p);
        if (nodes[dir]?.kind !== 'dir') throw new Error('ENOTDIR');
        return childrenOf(dir).map((c) => ({
          name: c.slice(dir.length + 1),
          isDirectory: () => (nodes[c]!.listedAs ?? nodes[c]!.kind) === 'dir',
        }));
      },
      readdirNames: (p) => childrenOf(key(p)).map((c) => c.slice(key(p).length + 1)),
      lstat: (p) => {
        const n = nodes[key(p)];
        // A directory's link count: 2, and one per subdirectory (each one's `..`).
        const nlink = n?.kind === 'dir' ? 2 + childrenOf(key(p)).filter((c) => nodes[c]!.kind === 'dir').length : 1;
        return n && { ino: n.ino, birthtimeMs: 0, dev: n.dev ?? 1, nlink, isDirectory: () => n.kind === 'dir' };
      },
    },
    linkCounts ? { linkCounts: () => 1 } : {},
  );
  const slowable =
    <A extends [string | Buffer], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      onRead(key(a[0]));
      return f(...a);
    };
  return { ...io, readdirTyped: slowable(io.readdirTyped), lstat: slowable(io.lstat) };
}

class Handle {
  close(): void {}
}

function scanHost(
  nodes: Record<string, FakeNode>,
  opts: {
    excludes?: string[];
    unwatchable?: string[];
    clock?: () => number;
    onRead?: (path: string) => void;
    /** The filesystem's link counts tell leaves (ScanFs.linkCounts). */
    linkCounts?: boolean;
    /** Called as each directory's watch is made (before it is read). */
    onWatch?: (rel: string) => void;
  } = {},
) {
  const table = new WatchTable<Handle>(Buffer.from('/r'));
  const emitted: string[] = [];
  const all: Record<string, FakeNode> = { '/r': { kind: 'dir', ino: 1 }, ...nodes };
  const io = fakeTree(all, opts.onRead, opts.linkCounts);
  const host: ScanHost = {
    table,
    filter: compileFilter(opts.excludes ?? []),
    clock: { now: opts.clock ?? (() => 0) },
    io,
    watch: (rel, id) => {
      if (opts.unwatchable?.includes(rel)) return false;
      opts.onWatch?.(rel);
      table.add(rel, id, new Handle());
      return true;
    },
    emit: (rel, kind) => void emitted.push(`${kind} ${rel}`),
  };
  const watched = (): string[] =>
    Object.keys(all)
      .map((p) => p.slice('/r/'.length))
      .filter((rel) => table.has(rel))
      .sort();
  return { host, table, emitted, watched, io, all };
}

const TREE: Record<string, FakeNode> = {
  '/r/a': { kind: 'dir', ino: 2 },
  '/r/a/f': { kind: 'file', ino: 3 },
  '/r/a/b': { kind: 'dir', ino: 4 },
  '/r/a/b/g': { kind: 'file', ino: 5 },
  '/r/a/b/b': { kind: 'file', ino: 6 }, // named like its directory
  '/r/c.tmp': { kind: 'dir', ino: 7 },
  '/r/c.tmp/h': { kind: 'file', ino: 8 },
  '/r/x.tmp': { kind: 'file', ino: 9 },
  '/r/raced': { kind: 'file', ino: 10, listedAs: 'dir' }, // a directory when listed, a file when looked at
};

describe('scanTree: watch, then read, a tree', () => {
  it('the first scan watches every directory and reports nothing, not even what changed under it', async () => {
    const s = scanHost(TREE);
    await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual(s.watched(), ['', 'a', 'a/b', 'c.tmp']);
    assert.deepEqual(s.emitted, []);
    assert.equal(s.table.ownNamed.has('a/b/b'), true, 'a child named like its directory is remembered');
    assert.deepEqual(
      { ino: s.table.get('a/b')!.ino, birth: s.table.get('a/b')!.birth },
      { ino: 4, birth: 0 },
      'identity from the lstat',
    );
  });
  it('a tree that appeared later: every entry reported, directories as dir-created; excluded ones neither reported nor entered', async () => {
    const s = scanHost(TREE, { excludes: ['(.*)\\.tmp'] });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, true);
    assert.deepEqual(s.watched(), ['', 'a', 'a/b']);
    assert.deepEqual(s.emitted.sort(), [
      'created a/b/b',
      'created a/b/g',
      'created a/f',
      'created raced',
      'dir-created a',
      'dir-created a/b',
    ]);
  });
  it('a directory that cannot be watched is not read', async () => {
    const s = scanHost(TREE, { unwatchable: ['a'] });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, true);
    assert.deepEqual(s.watched(), ['', 'c.tmp']);
    assert.equal(
      s.emitted.some((e) => e.includes('a/')),
      false,
    );
  });
  it(`reads in slices of ${SLICE_MS} ms: the event loop runs between them (and not at all when the clock says there is time)`, async () => {
    const turnsDuring = async (clock: () => number): Promise<number> => {
      let turns = 0;
      let done = false;
      const tick = (): void => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const s = scanHost(TREE, { clock });
      await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
      done = true;
      return turns;
    };
    assert.equal(await turnsDuring(() => 0), 0);
    let t = 0;
    assert.ok((await turnsDuring(() => (t += SLICE_MS))) >= 3, 'one turn per directory when each takes a whole slice');
  });
  it(`a read slower than ${SLOW_READ_MS} ms (a cold cache) sends the next ${COLD_READS} reads through the threadpool, then a synchronous one is tried again`, async () => {
    const many: Record<string, FakeNode> = {};
    for (let i = 0; i < 40; i++) many[`/r/d${i}`] = { kind: 'dir', ino: 100 + i };
    let now = 0;
    const warm = scanHost(many, { clock: () => now });
    await scanTree(warm.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual(warm.io.calls, { sync: 81, async: 0 }, 'warm: 41 readdirs and 40 lstats, all synchronous');
    const cold = scanHost(many, { clock: () => now, onRead: (p) => void (p === '/r/d0' && (now += SLOW_READ_MS)) });
    await scanTree(cold.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual(cold.io.calls, { sync: 81 - COLD_READS, async: COLD_READS });
    assert.equal(cold.table.size, 41, 'every directory watched either way');
  });
  it('ColdCache: the threadpool stretch doubles while the synchronous tries stay slow, and resets after a quick one', () => {
    const c = new ColdCache();
    const stretch = (): number => {
      let n = 0;
      while (c.useThreadpool()) n++;
      return n;
    };
    c.took(SLOW_READ_MS - 1);
    assert.equal(stretch(), 0, 'warm');
    const spans: number[] = [];
    for (let i = 0; i < 9; i++) {
      c.took(SLOW_READ_MS);
      spans.push(stretch());
    }
    assert.deepEqual(
      spans,
      [32, 64, 128, 256, 512, 1024, 2048, 4096, 4096].map((n) => Math.min(n, COLD_READS_MAX)),
    );
    c.took(0);
    c.took(SLOW_READ_MS);
    assert.equal(stretch(), COLD_READS);
  });
});

describe('scanTree: the leaves of a first scan, read once every directory is watched', () => {
  /** What the scan made of the tree: watches, counts, own-named children, what it read. */
  const outcome = (s: ReturnType<typeof scanHost>) => ({
    watched: s.watched(),
    files: s.table.files,
    ownNamed: [...s.table.ownNamed],
    unlisted: [...s.table.unlisted].sort(),
  });

  it("a directory whose link count says it has no subdirectory is watched, not read; listUnlisted reads it, and the outcome is a full read's", async () => {
    const full = scanHost(TREE);
    await scanTree(full.host, '', { ino: 1, birth: 0 }, false);
    const s = scanHost(TREE, { linkCounts: true });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual(outcome(s), {
      watched: ['', 'a', 'a/b', 'c.tmp'],
      files: 2, // x.tmp and a/f so far
      ownNamed: [],
      unlisted: ['a/b', 'c.tmp'],
    });
    assert.equal(s.table.knewOwnNamed('a/b/b'), true, 'an own-named child may exist in a leaf not read yet');
    assert.equal(s.table.knewOwnNamed('a/a'), false, 'not in a directory read');
    assert.equal(s.io.calls.sync, full.io.calls.sync, 'two readdirs fewer, two lstats (after the watches) more');
    await listUnlisted(s.host);
    assert.deepEqual(outcome(s), { ...outcome(full), unlisted: [] });
    assert.deepEqual(outcome(full), {
      watched: ['', 'a', 'a/b', 'c.tmp'],
      files: 5,
      ownNamed: ['a/b/b'],
      unlisted: [],
    });
  });
  it('a leaf that gains a subdirectory before its watch is made is read, and the subdirectory watched', async () => {
    let s: ReturnType<typeof scanHost> | null = null;
    s = scanHost(TREE, {
      linkCounts: true,
      onWatch: (rel) => {
        if (rel === 'a/b') s!.all['/r/a/b/new'] = { kind: 'dir', ino: 50 };
      },
    });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual(s.watched(), ['', 'a', 'a/b', 'a/b/new', 'c.tmp']);
    assert.deepEqual([...s.table.unlisted].sort(), ['a/b/new', 'c.tmp']);
    assert.equal(s.table.ownNamed.has('a/b/b'), true, 'a/b was read');
  });
  it('read as before: on another filesystem than the root, where link counts are not known, and in a tree that appeared later', async () => {
    const mounted = scanHost({ ...TREE, '/r/a/b': { kind: 'dir', ino: 4, dev: 2 } }, { linkCounts: true });
    await scanTree(mounted.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual([...mounted.table.unlisted], ['c.tmp']);
    const unknown = scanHost(TREE);
    await scanTree(unknown.host, '', { ino: 1, birth: 0 }, false);
    assert.deepEqual([...unknown.table.unlisted], []);
    const later = scanHost(TREE, { linkCounts: true });
    await scanTree(later.host, '', { ino: 1, birth: 0 }, true);
    assert.deepEqual([...later.table.unlisted], []);
    assert.ok(later.emitted.includes('created a/b/g'), 'every entry of a new tree is reported');
  });
  it(`listUnlisted: after a read slower than ${SLOW_READ_MS} ms (a cold cache) the next ${COLD_READS} go through the threadpool, as the scan's`, async () => {
    const many: Record<string, FakeNode> = {};
    for (let i = 0; i < 40; i++) many[`/r/d${i}`] = { kind: 'dir', ino: 100 + i };
    let now = 0;
    const s = scanHost(many, {
      linkCounts: true,
      clock: () => now,
      onRead: (p) => void (p === '/r/d39' && (now += SLOW_READ_MS)), // the first leaf listed
    });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
    assert.equal(s.table.unlisted.size, 40);
    const before = { ...s.io.calls };
    await listUnlisted(s.host);
    assert.deepEqual(
      { sync: s.io.calls.sync - before.sync, async: s.io.calls.async - before.async },
      { sync: 40 - COLD_READS, async: COLD_READS },
    );
    assert.equal(s.table.unlisted.size, 0);
  });
  it('listUnlisted: a leaf no longer watched is not read; one gone meanwhile counts nothing', async () => {
    const s = scanHost(TREE, { linkCounts: true });
    await scanTree(s.host, '', { ino: 1, birth: 0 }, false);
    s.table.closeSubtree('a/b', 0);
    assert.deepEqual([...s.table.unlisted], ['c.tmp'], 'closing a directory forgets it');
    delete s.all['/r/c.tmp/h'];
    delete s.all['/r/c.tmp'];
    await listUnlisted(s.host);
    assert.deepEqual([...s.table.unlisted], []);
    assert.equal(s.table.files, 2);
  });
});
