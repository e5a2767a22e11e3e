import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MinHeap } from '../../../src/aggregate/min-heap.js';
import { seeded } from '../../helpers/seeded.js';

describe('MinHeap', () => {
  it('is empty at first', () => {
    const h = new MinHeap<number>((a, b) => a - b);
    assert.equal(h.size, 0);
    assert.equal(h.peek(), undefined);
    assert.equal(h.pop(), undefined);
  });

  it('pops in order, with duplicates, whatever the order of the pushes', () => {
    const h = new MinHeap<number>((a, b) => a - b);
    for (const n of [5, 3, 8, 3, 1, 9, 0, 5]) h.push(n);
    const out: number[] = [];
    while (h.size > 0) out.push(h.pop()!);
    assert.deepEqual(out, [0, 1, 3, 3, 5, 5, 8, 9]);
  });

  it('keeps the order through interleaved pushes and pops (seeded, against a sorted list)', () => {
    const random = seeded(21);
    const h = new MinHeap<{ at: number; id: number }>((a, b) => a.at - b.at);
    const model: { at: number; id: number }[] = [];
    for (let step = 0; step < 5000; step++) {
      if (model.length === 0 || random() < 0.6) {
        const item = { at: Math.floor(random() * 100), id: step };
        h.push(item);
        model.push(item);
      } else {
        const got = h.pop()!;
        const least = Math.min(...model.map((m) => m.at));
        assert.equal(got.at, least, `step ${step}`);
        const i = model.indexOf(got);
        assert.ok(i >= 0, `step ${step}: popped an item not in the heap (or twice)`);
        model.splice(i, 1);
      }
      assert.equal(h.size, model.length);
      assert.equal(h.peek()?.at, model.length ? Math.min(...model.map((m) => m.at)) : undefined);
    }
  });

  it('clear() empties it', () => {
    const h = new MinHeap<number>((a, b) => a - b);
    h.push(2);
    h.push(1);
    h.clear();
    assert.equal(h.size, 0);
    assert.equal(h.pop(), undefined);
  });
});
