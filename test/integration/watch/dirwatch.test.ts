import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { DirWatch } from '../../../src/watch/dirwatch.js';
import type { ChangeEvent, WatchProblem } from '../../../src/watch/types.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { waitFor } from '../../helpers/wait.js';
import { abs } from '../../helpers/tree.js';

interface Harness {
  watcher: DirWatch;
  events: ChangeEvent[];
  problems: WatchProblem[];
  seen(kind: string, rel: string): boolean;
}

async function watch(root: string, excludes: string[] = []): Promise<Harness> {
  const events: ChangeEvent[] = [];
  const problems: WatchProblem[] = [];
  const watcher = new DirWatch(
    [{ path: root, excludes }],
    { onEvents: (e) => events.push(...e), onProblem: (p) => problems.push(p) },
    memoryLogger(),
  );
  await watcher.start();
  return { watcher, events, problems, seen: (kind, rel) => events.some((e) => e.kind === kind && e.path === rel) };
}

describe('dirwatch: per-directory fs.watch in a worker', () => {
  let root: string;
  let outside: string;
  let h: Harness;
  before(async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dirwatch-'));
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(root, 'existing/sub'), { recursive: true });
    fs.mkdirSync(outside);
    h = await watch(root, ['(.*)\\.tmp']);
  });
  after(async () => {
    await h.watcher.close();
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });

  it('watches every directory at start and reports nothing for what was already there', async () => {
    const s = await h.watcher.stats();
    assert.deepEqual(s.watchedDirs, [3]);
    assert.equal(h.events.length, 0);
  });
  it('files created, changed and removed', async () => {
    fs.writeFileSync(path.join(root, 'existing/sub/f'), 'a');
    await waitFor(() => h.seen('created', 'existing/sub/f'));
    fs.appendFileSync(path.join(root, 'existing/sub/f'), 'b');
    await waitFor(() => h.seen('changed', 'existing/sub/f'));
    fs.unlinkSync(path.join(root, 'existing/sub/f'));
    await waitFor(() => h.seen('removed', 'existing/sub/f'));
  });
  it('mkdir -p ten deep with files written at once: every directory and file reported', async () => {
    let rel = 'deep';
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      rel = `${rel}/l${i}`;
      fs.mkdirSync(path.join(root, rel), { recursive: true });
      fs.writeFileSync(path.join(root, rel, 'f'), 'x');
      expected.push(`${rel}/f`);
    }
    await waitFor(() => expected.every((p) => h.seen('created', p)), { what: 'every file of the deep tree' });
    assert.ok(h.seen('dir-created', 'deep'));
  });
  it('rm -rf closes the watchers of the subtree', async () => {
    const before = (await h.watcher.stats()).watchedDirs[0]!;
    fs.rmSync(path.join(root, 'deep'), { recursive: true });
    await waitFor(() => h.seen('removed', 'deep'));
    await waitFor(async () => (await h.watcher.stats()).watchedDirs[0]! === before - 11, { what: 'watchers closed' });
  });
  it('a renamed directory reports later writes under its new name', async () => {
    fs.mkdirSync(path.join(root, 'ren/sub'), { recursive: true });
    await waitFor(() => h.seen('dir-created', 'ren'));
    fs.renameSync(path.join(root, 'ren'), path.join(root, 'ren2'));
    await waitFor(() => h.seen('removed', 'ren') && h.seen('dir-created', 'ren2'));
    fs.writeFileSync(path.join(root, 'ren2/sub/after.txt'), 'x');
    await waitFor(() => h.seen('created', 'ren2/sub/after.txt'));
    assert.equal(
      h.events.some((e) => e.path === 'ren/sub/after.txt' && e.kind !== 'removed'),
      false,
    );
  });
  it('a directory moved in is scanned (its files reported) and watched; one moved out goes quiet', async () => {
    fs.mkdirSync(path.join(outside, 'in/sub'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'in/i1'), '1');
    fs.writeFileSync(path.join(outside, 'in/sub/i2'), '2');
    fs.writeFileSync(path.join(outside, 'in/sub/skip.tmp'), 'excluded');
    fs.renameSync(path.join(outside, 'in'), path.join(root, 'in'));
    await waitFor(() => h.seen('dir-created', 'in') && h.seen('created', 'in/i1') && h.seen('created', 'in/sub/i2'));
    fs.writeFileSync(path.join(root, 'in/sub/late'), 'x');
    await waitFor(() => h.seen('created', 'in/sub/late'));
    assert.equal(
      h.events.some((e) => e.path.endsWith('.tmp')),
      false,
      'excluded files are never reported',
    );
    fs.renameSync(path.join(root, 'in'), path.join(outside, 'gone'));
    await waitFor(() => h.seen('removed', 'in'));
    const n = h.events.length;
    fs.writeFileSync(path.join(outside, 'gone/sub/ghost'), 'x');
    fs.writeFileSync(path.join(root, 'marker'), 'x');
    await waitFor(() => h.seen('created', 'marker'));
    assert.equal(
      h.events.slice(n).some((e) => e.path.includes('ghost')),
      false,
      'no phantom events from a moved-out dir',
    );
  });
  it("chmod or touch of a watched directory (and of the root) is 'dir-changed' only: no dir-created, no phantom removed", async () => {
    fs.mkdirSync(path.join(root, 'attr/inner'), { recursive: true });
    fs.writeFileSync(path.join(root, 'attr/inner/f'), 'x');
    await waitFor(() => h.seen('created', 'attr/inner/f'));
    const n = h.events.length;
    fs.chmodSync(path.join(root, 'attr/inner'), 0o700);
    fs.chmodSync(path.join(root, 'attr'), 0o700);
    fs.utimesSync(path.join(root, 'attr'), new Date(2001, 0, 1), new Date(2001, 0, 1));
    fs.chmodSync(root, 0o700);
    // Events are delivered in order: once the marker is seen, everything before it was handled.
    fs.writeFileSync(path.join(root, 'attr-marker'), 'x');
    await waitFor(() => h.seen('created', 'attr-marker'));
    // attr/inner/f's own later events (its write reported apart from its create, on a busy machine) are not the chmods'.
    const after = h.events.slice(n).filter((e) => e.path !== 'attr-marker' && e.path !== 'attr/inner/f');
    assert.ok(
      after.some((e) => e.kind === 'dir-changed' && e.path === 'attr'),
      'attr: dir-changed',
    );
    assert.ok(
      after.some((e) => e.kind === 'dir-changed' && e.path === 'attr/inner'),
      'attr/inner: dir-changed',
    );
    assert.deepEqual(
      after.filter((e) => e.kind !== 'dir-changed'),
      [],
      'no dir-created (which resends the subtree) and no removed attr/attr, attr/inner/inner or <root basename>',
    );
  });
  it('rm -rf d; mkdir d (the inode comes back at once): a new directory, watched again', async () => {
    fs.mkdirSync(path.join(root, 'again'));
    fs.writeFileSync(path.join(root, 'again/old'), 'x');
    await waitFor(() => h.seen('created', 'again/old'));
    const n = h.events.length;
    fs.rmSync(path.join(root, 'again'), { recursive: true });
    fs.mkdirSync(path.join(root, 'again'));
    fs.writeFileSync(path.join(root, 'again/new'), 'x');
    await waitFor(() => h.events.slice(n).some((e) => e.kind === 'dir-created' && e.path === 'again'), {
      what: 'again/ reported as a new directory',
    });
    fs.writeFileSync(path.join(root, 'again/later'), 'x');
    await waitFor(() => h.seen('created', 'again/later'), { what: 'a write into the new directory' });
  });
  it('a child named like its directory is still reported when created and deleted', async () => {
    fs.mkdirSync(path.join(root, 'same'));
    await waitFor(() => h.seen('dir-created', 'same'));
    fs.writeFileSync(path.join(root, 'same/same'), 'x');
    await waitFor(() => h.seen('created', 'same/same'));
    fs.unlinkSync(path.join(root, 'same/same'));
    await waitFor(() => h.seen('removed', 'same/same'));
  });
  it('names are bytes: hostile and non-UTF-8 names are reported exactly', async () => {
    const names = [
      'a b',
      "q'uote",
      'back`tick`',
      '$(touch X)',
      'new\nline',
      '-dash',
      '.dot',
      'x~',
      '.x.swp',
      '4913',
      'x'.repeat(255),
    ].map((n) => Buffer.from(n).toString('latin1'));
    names.push(Buffer.from([0x62, 0xff, 0xfe]).toString('latin1'));
    for (const n of names) fs.writeFileSync(abs(root, n), 'x');
    await waitFor(() => names.every((n) => h.seen('created', n)), { what: 'every hostile name' });
  });
});

describe('dirwatch: a 20,000-file burst into a 100,000-file tree loses nothing', () => {
  let root: string;
  let h: Harness;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dirwatch-big-'));
    for (let d = 0; d < 10_000; d++) {
      const dir = path.join(root, `d${Math.floor(d / 100)}`, `leaf${d}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(dir, `f${f}`), '');
    }
  });
  after(async () => {
    await h?.watcher.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  it('every one of 20,000 new files (written by another process) is reported', async (t) => {
    const started = Date.now();
    h = await watch(root);
    const readyMs = Date.now() - started;
    const stats = await h.watcher.stats();
    // A separate process writes as fast as it can: 2 new files in each of the 10,000 leaf dirs.
    const script = `const fs=require('fs');for(let i=0;i<20000;i++){const d=i%10000;fs.writeFileSync(${JSON.stringify(root)}+'/d'+Math.floor(d/100)+'/leaf'+d+'/burst'+i,'x')}`;
    const burstStart = Date.now();
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', (c) =>
        c === 0 ? resolve() : reject(new Error(`writer exit ${c}`)),
      ),
    );
    const burstMs = Date.now() - burstStart;
    const wanted = (e: ChangeEvent): boolean => e.kind === 'created' && /\/burst\d+$/.test(e.path);
    await waitFor(() => new Set(h.events.filter(wanted).map((e) => e.path)).size === 20_000, {
      timeoutMs: 60_000,
      what: '20,000 burst files reported',
    }).catch((err: Error) => {
      throw new Error(`${err.message}: got ${new Set(h.events.filter(wanted).map((e) => e.path)).size}`);
    });
    const got = new Set(h.events.filter(wanted).map((e) => e.path));
    assert.equal(got.size, 20_000);
    assert.deepEqual(h.problems, []);
    t.diagnostic(
      `100,000-file tree: ready in ${readyMs} ms with ${stats.watchedDirs[0]} directory watches; burst of 20,000 written in ${burstMs} ms; all reported ${Date.now() - burstStart} ms after it started`,
    );
  });
});
