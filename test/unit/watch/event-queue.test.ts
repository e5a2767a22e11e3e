import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue, dirKey, type FsEventJob } from '../../../src/watch/event-queue.js';

/** A handler whose jobs finish when the test says so. */
function gated(): { handled: FsEventJob[]; finish(): Promise<void>; handle(job: FsEventJob): Promise<void> } {
  const handled: FsEventJob[] = [];
  const gates: Array<() => void> = [];
  return {
    handled,
    handle(job) {
      handled.push({ ...job });
      return new Promise((r) => gates.push(r));
    },
    async finish() {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** The rest of this turn of the event loop: the queue starts its jobs after it (a read's events gathered). */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('EventQueue: lstats waiting, deduplicated, bounded', () => {
  it('at most `concurrency` at once, in arrival order, from the next turn; idle when all are done', async () => {
    const g = gated();
    let idles = 0;
    const q = new EventQueue(2, (j) => g.handle(j), { clear: () => idles++ });
    for (const n of ['a', 'b', 'c']) q.add(0, '', n, 'change');
    assert.equal(g.handled.length, 0, 'gathered until the rest of the read is in');
    assert.equal(q.idle, false);
    await turn();
    assert.deepEqual(
      g.handled.map((j) => j.name),
      ['a', 'b'],
    );
    await g.finish();
    assert.deepEqual(
      g.handled.map((j) => j.name),
      ['a', 'b', 'c'],
    );
    assert.equal(q.idle, false);
    assert.equal(idles, 0);
    await g.finish();
    await g.finish();
    assert.equal(q.idle, true);
    assert.equal(idles, 1, 'told once, when the last job is done');
  });
  it("a name waiting twice is looked at once, as a 'rename' if either was one", async () => {
    const g = gated();
    const q = new EventQueue(1, (j) => g.handle(j));
    q.add(0, '', 'busy', 'change');
    await turn();
    q.add(0, 'd', 'f', 'change');
    q.add(0, 'd', 'f', 'rename');
    q.add(0, 'd', 'f', 'change');
    q.add(1, 'd', 'f', 'change');
    await g.finish();
    await g.finish();
    assert.deepEqual(
      g.handled.map((j) => [j.ri, j.dirRel, j.name, j.type]),
      [
        [0, '', 'busy', 'change'],
        [0, 'd', 'f', 'rename'],
        [1, 'd', 'f', 'change'],
      ],
    );
  });
  it('numbers each event; a name waiting twice takes its later number; counts what waits per directory', async () => {
    const g = gated();
    const q = new EventQueue(1, (j) => g.handle(j));
    q.add(0, 'd', 'a', 'rename'); // seq 0
    await turn(); // a is being handled
    q.add(0, 'd', 'b', 'rename'); // seq 1
    q.add(0, 'd', 'c', 'rename'); // seq 2
    q.add(0, 'e', 'x', 'change'); // seq 3
    q.add(0, 'd', 'b', 'change'); // seq 4: b waits already
    assert.equal(q.arrived, 5);
    assert.equal(q.waitingIn(dirKey(0, 'd')), 2);
    assert.equal(q.waitingIn(dirKey(0, 'e')), 1);
    assert.equal(q.waitingIn(dirKey(1, 'd')), 0);
    for (let i = 0; i < 4; i++) await g.finish();
    assert.deepEqual(
      g.handled.map((j) => [j.name, j.seq]),
      [
        ['a', 0],
        ['b', 4],
        ['c', 2],
        ['x', 3],
      ],
    );
    assert.equal(q.waitingIn(dirKey(0, 'd')), 0);
  });
  it('a name already being looked at is queued again (it may have changed since its lstat)', async () => {
    const g = gated();
    const q = new EventQueue(1, (j) => g.handle(j));
    q.add(0, '', 'f', 'change');
    await turn();
    q.add(0, '', 'f', 'change');
    await g.finish();
    assert.equal(g.handled.length, 2);
  });
});
