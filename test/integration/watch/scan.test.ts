import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirWatch } from '../../../src/watch/dirwatch.js';
import type { ChangeEvent, WatchProblem } from '../../../src/watch/types.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { waitFor } from '../../helpers/wait.js';
import { abs } from '../../helpers/tree.js';

/** A byte path (latin1, one char per byte) from raw bytes. */
const bytes = (...b: number[]): string => Buffer.from(b).toString('latin1');

interface Harness {
  watcher: DirWatch;
  events: ChangeEvent[];
  problems: WatchProblem[];
  seen(rel: string, kind?: string): boolean;
}

function harness(root: string): Harness {
  const events: ChangeEvent[] = [];
  const problems: WatchProblem[] = [];
  const watcher = new DirWatch(
    [{ path: root, excludes: [] }],
    { onEvents: (e) => events.push(...e), onProblem: (p) => problems.push(p) },
    memoryLogger(),
  );
  return {
    watcher,
    events,
    problems,
    seen: (rel, kind) => events.some((e) => e.path === rel && (kind === undefined || e.kind === kind)),
  };
}

describe('the first scan: names are bytes, the root may be non-ASCII', () => {
  let tmp: string;
  let root: string;
  let h: Harness;
  const odd = bytes(0x62, 0xff, 0xfe); // not UTF-8
  const deep = `${odd}/${bytes(0xe9)}/${bytes(0x63, 0x80)}`; // three levels, none UTF-8
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-'));
    root = path.join(tmp, 'wätch root'); // UTF-8, not ASCII: every fs path is then bytes
    fs.mkdirSync(abs(root, deep), { recursive: true });
    fs.mkdirSync(path.join(root, 'plain/sub'), { recursive: true });
    fs.writeFileSync(abs(root, `${odd}/before`), 'x');
    h = harness(root);
    await h.watcher.start();
  });
  after(async () => {
    await h.watcher.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('watches every directory, whatever its name, and reports nothing that was there', async () => {
    assert.deepEqual((await h.watcher.stats()).watchedDirs, [6]);
    assert.deepEqual(h.events, []);
  });
  it('a file written later in a non-UTF-8 directory found by the scan is reported byte-exact', async () => {
    fs.writeFileSync(abs(root, `${deep}/${bytes(0x66, 0xc3)}`), 'y');
    await waitFor(() => h.seen(`${deep}/${bytes(0x66, 0xc3)}`, 'created'), {
      what: 'the file in the non-UTF-8 directory',
    });
    fs.writeFileSync(abs(root, 'plain/sub/f'), 'z');
    await waitFor(() => h.seen('plain/sub/f', 'created'), { what: 'the file under the non-ASCII root' });
  });
  it('a non-UTF-8 directory made later is scanned and watched too', async () => {
    const later = `${odd}/${bytes(0xfa, 0xfb)}`;
    fs.mkdirSync(abs(root, later));
    await waitFor(() => h.seen(later, 'dir-created'));
    fs.writeFileSync(abs(root, `${later}/${bytes(0xfc)}`), 'w');
    await waitFor(() => h.seen(`${later}/${bytes(0xfc)}`, 'created'));
    assert.deepEqual(h.problems, []);
  });
});

describe('the first scan of a big tree while it changes', () => {
  let root: string;
  const TOP = 20;
  const LEAVES = 200;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-big-'));
    for (let t = 0; t < TOP; t++) {
      for (let l = 0; l < LEAVES; l++) {
        const dir = path.join(root, `t${t}`, `l${l}`);
        fs.mkdirSync(dir, { recursive: true });
        for (let f = 0; f < 5; f++) fs.writeFileSync(path.join(dir, `f${f}`), '');
      }
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('begin(): nothing is delivered before start(); what watched directories saw meanwhile is, and directories made meanwhile are watched', async (t) => {
    const h = harness(root);
    try {
      h.watcher.begin();
      // The root is watched first, before anything is read.
      await waitFor(async () => ((await h.watcher.stats()).watchedDirs[0] ?? 0) >= 1, { what: 'the root watched' });
      const made: string[] = [];
      const written: string[] = [];
      // Synchronous, so it runs while the worker scans: spread over the tree, some land in
      // directories scanned already, some in ones not yet read.
      for (let i = 0; i < 200; i++) {
        const dir = `t${(i * 7) % TOP}/l${(i * 37) % LEAVES}/new${i}`;
        fs.mkdirSync(path.join(root, dir));
        made.push(dir);
        fs.writeFileSync(path.join(root, `top${i}`), 'x');
        written.push(`top${i}`);
      }
      const watchedThen = (await h.watcher.stats()).watchedDirs[0]!;
      assert.deepEqual(h.events, [], 'nothing delivered before start()');
      await h.watcher.start();
      // Written into the root, watched before: kept through the scan and delivered.
      await waitFor(() => written.every((p) => h.seen(p)), {
        what: 'every file written into the root during the scan',
      });
      for (const dir of made) fs.writeFileSync(path.join(root, dir, 'later'), 'y');
      await waitFor(() => made.every((d) => h.seen(`${d}/later`, 'created')), {
        what: 'a later file in every directory made during the scan',
      });
      assert.equal((await h.watcher.stats()).watchedDirs[0], 1 + TOP + TOP * LEAVES + made.length);
      assert.deepEqual(h.problems, []);
      t.diagnostic(
        `when the last of ${made.length} directories was made, the scan had watched ${watchedThen} of ${1 + TOP + TOP * LEAVES} directories`,
      );
    } finally {
      await h.watcher.close();
    }
  });
});
