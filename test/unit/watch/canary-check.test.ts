import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CanaryCheck } from '../../../src/watch/canary-check.js';

describe('CanaryCheck', () => {
  it('consecutive canaries report no loss', () => {
    const c = new CanaryCheck();
    assert.deepEqual(['c10', 'c11', 'c12'].map((n) => c.seen(n)), [0, 0, 0]);
  });
  it('a gap reports how many canaries the kernel queue dropped', () => {
    const c = new CanaryCheck();
    c.seen('c10');
    assert.equal(c.seen('c14'), 3);
    assert.equal(c.seen('c15'), 0);
  });
  it('other names and going backwards are not alarms', () => {
    const c = new CanaryCheck();
    c.seen('c10');
    assert.equal(c.seen('x'), 0);
    assert.equal(c.seen('c9'), 0);
    assert.equal(c.seen('c10'), 0);
  });
});
