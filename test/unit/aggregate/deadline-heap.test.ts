import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineHeap } from '../../../src/aggregate/deadline-heap.js';
import { seeded } from '../../helpers/seeded.js';

/** Pops everything: [at, path] in the heap's order. */
function drain(h: DeadlineHeap): [number, string][] {
  const out: [number, string][] = [];
  while (h.size > 0) {
    out.push([h.topAt()!, h.topPath()!]);
    h.pop();
  }
  return out;
}

describe('DeadlineHeap', () => {
  it('is empty at first, and pop() on empty does nothing', () => {
    const h = new DeadlineHeap();
    assert.equal(h.size, 0);
    assert.equal(h.topAt(), undefined);
    assert.equal(h.topPath(), undefined);
    h.pop();
    assert.equal(h.size, 0);
  });

  it('pops in order of time, each time with its own path, duplicates included, whatever the order of the pushes', () => {
    const h = new DeadlineHeap();
    for (const n of [5, 3, 8, 3, 1, 9, 0, 5.5]) h.push(n, `p${n}`);
    assert.deepEqual(
      drain(h).map(([at, p]) => [at, p]),
      [
        [0, 'p0'],
        [1, 'p1'],
        [3, 'p3'],
        [3, 'p3'],
        [5, 'p5'],
        [5.5, 'p5.5'],
        [8, 'p8'],
        [9, 'p9'],
      ],
    );
  });

  it('keeps the order and the pairs through interleaved pushes and pops past its first 64 slots (seeded, against a list)', () => {
    const random = seeded(21);
    const h = new DeadlineHeap();
    const model: { at: number; path: string }[] = [];
    for (let step = 0; step < 5000; step++) {
      if (model.length === 0 || random() < 0.6) {
        const item = { at: Math.floor(random() * 100) + random(), path: `s${step}` };
        h.push(item.at, item.path);
        model.push(item);
      } else {
        const at = h.topAt()!;
        const path = h.topPath()!;
        h.pop();
        assert.equal(at, Math.min(...model.map((m) => m.at)), `step ${step}`);
        const i = model.findIndex((m) => m.path === path);
        assert.ok(i >= 0, `step ${step}: popped a path not in the heap (or twice)`);
        assert.equal(model[i]!.at, at, `step ${step}: ${path} came out with another's time`);
        model.splice(i, 1);
      }
      assert.equal(h.size, model.length);
      assert.equal(h.topAt(), model.length ? Math.min(...model.map((m) => m.at)) : undefined);
    }
    assert.ok(model.length > 64, `the run grew the heap past its first slots (${model.length} left)`);
  });

  it('clear() empties it, and it works again after', () => {
    const h = new DeadlineHeap();
    for (let i = 200; i > 0; i--) h.push(i, `p${i}`);
    h.clear();
    assert.equal(h.size, 0);
    assert.equal(h.topAt(), undefined);
    h.push(2, 'b');
    h.push(1, 'a');
    assert.deepEqual(drain(h), [
      [1, 'a'],
      [2, 'b'],
    ]);
  });
});
