import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DirWatch } from '../../../src/watch/dirwatch.js';
import type { FromWorker, ToWorker } from '../../../src/watch/protocol.js';
import type { ChangeEvent } from '../../../src/watch/types.js';
import { startEarlyThread, takeEarlyThread, tellEarlyThread } from '../../../src/watch/watcher-thread.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { waitFor } from '../../helpers/wait.js';

/** What a thread says it watches (each root's directories), asked directly. */
function watchedBy(worker: Worker, id: number): Promise<number[]> {
  return new Promise((resolve) => {
    const on = (m: FromWorker): void => {
      if (m.type !== 'stats' || m.id !== id) return;
      worker.off('message', on);
      resolve(m.watchedDirs);
    };
    worker.on('message', on);
    worker.postMessage({ type: 'stats', id } satisfies ToWorker);
  });
}

/**
 * The watcher's thread started before the agent loads (main.ts, early-start.ts): told the sync
 * roots, it scans them at once; the agent's DirWatch takes it over and tells it every root.
 */
describe('the early watcher thread', () => {
  let tmp: string;
  const root = (name: string): { path: string; excludes: string[] } => ({ path: path.join(tmp, name), excludes: [] });
  let watch: DirWatch | null;
  let events: ChangeEvent[];
  const start = async (roots: Array<{ path: string; excludes: string[] }>): Promise<DirWatch> => {
    watch = new DirWatch(roots, { onEvents: (e) => events.push(...e), onProblem: () => undefined }, memoryLogger());
    await watch.start();
    return watch;
  };

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'early-thread-'));
    for (const d of ['sync/a/b', 'other', 'canary']) fs.mkdirSync(path.join(tmp, d), { recursive: true });
    events = [];
    watch = null;
  });
  afterEach(async () => {
    await watch?.close();
    const left = takeEarlyThread();
    await left?.worker.terminate();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is taken over: what changed after its scan and before the agent took it is reported, and the roots told later are watched', async () => {
    const worker = startEarlyThread();
    tellEarlyThread([root('sync')]);
    let n = 0;
    await waitFor(async () => (await watchedBy(worker, ++n))[0] === 3, { what: 'the early scan of sync' });
    // A fresh thread would take this file for one already there, and say nothing of it.
    fs.writeFileSync(path.join(tmp, 'sync/a/b/meanwhile.txt'), 'x');
    const w = await start([root('sync'), root('canary')]);
    assert.deepEqual((await w.stats()).watchedDirs, [3, 1]);
    await waitFor(() => events.some((e) => e.root === 0 && e.path === 'a/b/meanwhile.txt'), {
      what: 'the change made before the take-over',
    });
    fs.writeFileSync(path.join(tmp, 'canary/c'), 'y');
    await waitFor(() => events.some((e) => e.root === 1 && e.path === 'c'), {
      what: 'an event of the root told later',
    });
    assert.equal(takeEarlyThread(), null, 'taken once');
  });

  it('flows before its scan is done: changes are handed on before ready, without counts; start() after ready resolves', async () => {
    const worker = startEarlyThread();
    tellEarlyThread([root('sync')]);
    let n = 0;
    await waitFor(async () => (await watchedBy(worker, ++n))[0] === 3, { what: 'the early scan of sync' });
    // Its scan cannot end: the roots told so far are not final. Told to flow, it sends the change.
    const said = new Promise<void>((resolve) => {
      const on = (m: FromWorker): void => {
        if (m.type !== 'events' || !m.events.some(([, rel]) => rel === 'a/new.txt')) return;
        worker.off('message', on);
        resolve();
      };
      worker.on('message', on);
    });
    worker.postMessage({ type: 'flow' } satisfies ToWorker);
    fs.writeFileSync(path.join(tmp, 'sync/a/new.txt'), 'x');
    await said;
    const calls: Array<{ paths: string[]; files: readonly number[] | undefined }> = [];
    const w = new DirWatch(
      [root('sync'), root('canary')],
      { onEvents: (e, files) => calls.push({ paths: e.map((x) => x.path), files }), onProblem: () => undefined },
      memoryLogger(),
    );
    watch = w;
    w.begin();
    assert.equal(calls.length, 0, 'nothing handed on before flow() or start()');
    w.flow();
    assert.ok(calls[0]?.paths.includes('a/new.txt'), 'handed on at flow()');
    await waitFor(() => calls.some((c) => c.paths.length === 0 && c.files !== undefined), { what: 'ready' });
    const ready = calls.findIndex((c) => c.paths.length === 0 && c.files !== undefined);
    assert.equal(calls[ready]!.files?.length, 2, 'the whole counts come with ready, one per root');
    assert.ok(
      calls.slice(0, ready).every((c) => c.files === undefined),
      "before ready, the scan's counts are not the roots' yet",
    );
    await w.start();
    assert.deepEqual((await w.stats()).watchedDirs, [3, 1]);
  });

  it('is ended when it scans other roots than the agent watches; the agent starts its own thread', async () => {
    const worker = startEarlyThread();
    const ended = new Promise((resolve) => worker.once('exit', resolve));
    tellEarlyThread([root('other')]);
    const w = await start([root('sync'), root('canary')]);
    await ended;
    assert.deepEqual((await w.stats()).watchedDirs, [3, 1]);
    fs.writeFileSync(path.join(tmp, 'sync/a/f'), 'z');
    await waitFor(() => events.some((e) => e.root === 0 && e.path === 'a/f'), { what: 'an event from the own thread' });
  });

  it('is not used once it has ended; nor when it was never told roots, it is then told them all', async () => {
    await startEarlyThread().terminate();
    const w = await start([root('sync')]);
    assert.deepEqual((await w.stats()).watchedDirs, [3]);
    await w.close();

    startEarlyThread();
    const w2 = await start([root('other'), root('canary')]);
    assert.deepEqual((await w2.stats()).watchedDirs, [1, 1]);
    fs.writeFileSync(path.join(tmp, 'other/g'), 'w');
    await waitFor(() => events.some((e) => e.root === 0 && e.path === 'g'), { what: 'an event of the untold thread' });
  });
});
