import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue, type FsEventJob } from '../../../src/watch/event-queue.js';

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

describe('EventQueue: lstats waiting, deduplicated, bounded', () => {
  it('at most `concurrency` at once, in arrival order; idle when all are done', async () => {
    const g = gated();
    const q = new EventQueue(2, (j) => g.handle(j));
    for (const n of ['a', 'b', 'c']) q.add(0, '', n, 'change');
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
    await g.finish();
    await g.finish();
    assert.equal(q.idle, true);
  });
  it("a name waiting twice is looked at once, as a 'rename' if either was one", async () => {
    const g = gated();
    const q = new EventQueue(1, (j) => g.handle(j));
    q.add(0, '', 'busy', 'change');
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
  it('a name already being looked at is queued again (it may have changed since its lstat)', async () => {
    const g = gated();
    const q = new EventQueue(1, (j) => g.handle(j));
    q.add(0, '', 'f', 'change');
    q.add(0, '', 'f', 'change');
    await g.finish();
    assert.equal(g.handled.length, 2);
  });
});
