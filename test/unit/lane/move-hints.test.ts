import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MoveHints } from '../../../src/lane/move-hints.js';

describe('MoveHints', () => {
  it('remembers where a directory came from', () => {
    const h = new MoveHints();
    h.record('new', 'old', 1000);
    assert.equal(h.from('new', 1001), 'old');
    assert.equal(h.from('old', 1001), undefined);
  });

  it('forgets a hint after ten minutes', () => {
    const h = new MoveHints();
    h.record('new', 'old', 0);
    assert.equal(h.from('new', 10 * 60_000), 'old');
    assert.equal(h.from('new', 10 * 60_000 + 1), undefined);
    assert.equal(h.size, 0);
  });

  it('a later move of the same path replaces the hint', () => {
    const h = new MoveHints();
    h.record('new', 'old', 0);
    h.record('new', 'older', 5);
    assert.equal(h.from('new', 6), 'older');
  });

  it('holds at most 10,000 hints, dropping the oldest', () => {
    const h = new MoveHints();
    for (let i = 0; i <= 10_000; i++) h.record(`n${i}`, `o${i}`, i);
    assert.equal(h.size, 10_000);
    assert.equal(h.from('n0', 10_001), undefined);
    assert.equal(h.from('n10000', 10_001), 'o10000');
  });
});
