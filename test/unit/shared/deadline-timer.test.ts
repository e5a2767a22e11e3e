import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineTimer } from '../../../src/shared/one-shot.js';

describe('DeadlineTimer: the one timer armed from nextDeadline()', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('fires once at the deadline, with the deadline it was armed for', () => {
    const t = new DeadlineTimer();
    const fired: number[] = [];
    t.set(1500, 1000, (at) => fired.push(at));
    mock.timers.tick(499);
    assert.deepEqual(fired, []);
    mock.timers.tick(1);
    assert.deepEqual(fired, [1500]);
    mock.timers.tick(5000);
    assert.deepEqual(fired, [1500], 'not again');
  });
  it('the same deadline set again leaves it running; an earlier one replaces it; null cancels', () => {
    const t = new DeadlineTimer();
    const fired: number[] = [];
    t.set(1500, 1000, (at) => fired.push(at));
    mock.timers.tick(300);
    t.set(1500, 1300, (at) => fired.push(at));
    mock.timers.tick(200);
    assert.deepEqual(fired, [1500], 'not pushed back by being set again');
    t.set(3000, 1500, (at) => fired.push(at));
    t.set(2000, 1500, (at) => fired.push(at));
    mock.timers.tick(500);
    assert.deepEqual(fired, [1500, 2000]);
    t.set(2500, 2000, (at) => fired.push(at));
    t.set(null, 2000, (at) => fired.push(at));
    mock.timers.tick(5000);
    assert.deepEqual(fired, [1500, 2000]);
  });
  it('a deadline already past fires at once; after firing, the same deadline can be armed again', () => {
    const t = new DeadlineTimer();
    const fired: number[] = [];
    t.set(900, 1000, (at) => fired.push(at));
    mock.timers.tick(0);
    assert.deepEqual(fired, [900]);
    t.set(900, 1000, (at) => fired.push(at));
    mock.timers.tick(0);
    assert.deepEqual(fired, [900, 900]);
  });
});
