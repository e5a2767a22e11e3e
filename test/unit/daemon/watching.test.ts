import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watching, type CanaryPart } from '../../../src/daemon/watching.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import type { CanaryLoss } from '../../../src/watch/canary-check.js';
import type { ChangeEvent, Watcher, WatcherHandlers, WatchRootSpec } from '../../../src/watch/types.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';

/** Watching with a fake watcher (the test plays the worker through its handlers) and a fake canary. */
async function harness() {
  const config = testConfig({ watch: ['/srv/a', '/srv/b'], filter: ['(.*)\\.tmp'] });
  let handlers: WatcherHandlers | null = null;
  let specs: readonly WatchRootSpec[] = [];
  let closed = false;
  const canarySeen: string[] = [];
  let loss: ((l: CanaryLoss, why: string) => void) | null = null;
  const got: string[] = [];
  const lost: number[] = [];
  let overflows = 0;
  let flows = 0;
  const order: string[] = [];
  const watching = new Watching({
    config,
    stateDir: '/var/lib/sersync-ts',
    clock: new SteppingClock(),
    logger: memoryLogger(),
    onEvents: (evs) => {
      got.push(...evs.map((e) => `${e.root}:${e.path}`));
      order.push(`events ${evs.length}`);
    },
    lost: (root) => {
      lost.push(root);
      order.push(`lost ${root}`);
    },
    overflowed: () => void overflows++,
    makeWatcher: (roots, h): Watcher => {
      specs = roots;
      handlers = h;
      return {
        start: async () => undefined,
        flow: () => void flows++,
        stats: async () => ({ watchedDirs: [4, 5, 1], eventsSeen: 0 }),
        close: async () => void (closed = true),
      };
    },
    makeCanary: (dir, onLoss): CanaryPart => {
      loss = onLoss;
      return {
        dir,
        prepare: async () => undefined,
        start: () => undefined,
        stop: () => undefined,
        seen: (p) => void canarySeen.push(p),
      };
    },
  });
  await watching.start();
  return {
    watching,
    specs,
    h: () => handlers!,
    canarySeen,
    loss: () => loss!,
    got,
    lost,
    overflows: () => overflows,
    flows: () => flows,
    order,
    closed: () => closed,
  };
}

const ev = (root: number, path: string, kind: ChangeEvent['kind'] = 'created'): ChangeEvent => ({ root, path, kind });

describe('Watching: the watcher and the canary, events routed, problems answered', () => {
  it('watches every sync root with its excludes, plus the canary directory last', async () => {
    const w = await harness();
    assert.deepEqual(
      w.specs.map((s) => s.path),
      ['/srv/a', '/srv/b', w.specs[2]!.path],
    );
    assert.match(w.specs[2]!.path, /^\/var\/lib\/sersync-ts\/canary-\d+-\d+$/);
    assert.deepEqual(w.specs[0]!.excludes, ['(.*)\\.tmp']);
    assert.deepEqual(w.specs[2]!.excludes, []);
    assert.deepEqual(w.watching.watchedDirs, [4, 5], 'the canary directory is not counted');
  });

  it('canary files go to the canary, in order; everything else to intake', async () => {
    const w = await harness();
    w.h().onEvents([ev(0, 'a'), ev(2, 'c1.0'), ev(1, 'b'), ev(2, 'c1.0', 'removed')]);
    assert.deepEqual(w.got, ['0:a', '1:b']);
    assert.deepEqual(w.canarySeen, ['c1.0']);
    assert.deepEqual(w.order, ['events 1', 'events 1'], 'the events before the canary file first');
  });

  it('a canary loss: every root gets a full sync; an overflow is counted, a frozen writer is not', async () => {
    const w = await harness();
    w.loss()({ reason: 'lost', missing: 3 }, 'overflowed');
    w.loss()({ reason: 'stalled', missing: 40 }, 'frozen');
    assert.deepEqual(w.lost, [-1, -1]);
    assert.equal(w.overflows(), 1);
  });

  it('watcher problems: a full sync of the root they touch; a dead worker marks the watcher failed', async () => {
    const w = await harness();
    w.h().onProblem({ root: 1, code: 'ENOSPC', message: 'limit' });
    assert.deepEqual(w.lost, [1]);
    assert.equal(w.watching.watcherAlive, true);
    w.h().onProblem({ root: -1, code: 'worker-exit', message: 'exited' });
    assert.deepEqual(w.lost, [1, -1]);
    assert.equal(w.watching.watcherAlive, false);
  });

  it('a root that went away waits for its return (no full sync yet); canary-directory trouble is only logged', async () => {
    const w = await harness();
    w.h().onProblem({ root: 0, code: 'root-gone', message: 'gone' });
    w.h().onProblem({ root: 2, code: 'error', message: 'canary dir' });
    assert.deepEqual(w.lost, []);
    w.h().onProblem({ root: 0, code: 'root-replaced', message: 'back' });
    assert.deepEqual(w.lost, [0]);
  });

  it("flow() is the watcher's: what it sees goes on while its first scan runs", async () => {
    const w = await harness();
    assert.equal(w.flows(), 0, 'not by itself');
    w.watching.flow();
    assert.equal(w.flows(), 1);
  });

  it('stop closes the watcher', async () => {
    const w = await harness();
    await w.watching.stop();
    assert.equal(w.closed(), true);
  });
});
