import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW_BATCH_MS, StuckCheck, UNANSWERED_BEFORE_KILL } from '../../../src/lane/stuck-check.js';

describe('StuckCheck', () => {
  it('nothing running: nothing to look at', () => {
    assert.deepEqual(new StuckCheck().look(50_000, null), { kind: 'none' });
  });
  it('a young rsync: look again when it reaches the limit', () => {
    assert.deepEqual(new StuckCheck().look(13_000, 10_000), { kind: 'later', inMs: SLOW_BATCH_MS - 3000 });
  });
  it('an old one: ask the remote', () => {
    assert.deepEqual(new StuckCheck().look(25_000, 10_000), { kind: 'ask', ageMs: 15_000 });
  });
  it('an answer: fine, and the silence count starts again', () => {
    const c = new StuckCheck();
    c.answered(false, true, 12_000);
    assert.deepEqual(c.answered(true, true, 22_000), { kind: 'fine' });
  });
  it('no answer: the fail log, naming how long the rsync has run', () => {
    assert.deepEqual(new StuckCheck().answered(false, true, 12_400), {
      kind: 'fail-log',
      reason: 'the remote stopped answering while an rsync has been running for 12 s',
    });
  });
  it('without <timeout>: after a few silent probes in a row the rsync is ended, then counting starts over', () => {
    const c = new StuckCheck();
    for (let i = 1; i < UNANSWERED_BEFORE_KILL; i++)
      assert.equal(c.answered(false, false, i * 10_000).kind, 'fail-log');
    assert.deepEqual(c.answered(false, false, 30_000), {
      kind: 'end-rsync',
      silentMs: UNANSWERED_BEFORE_KILL * SLOW_BATCH_MS,
    });
    assert.equal(c.answered(false, false, 40_000).kind, 'fail-log');
  });
  it('with <timeout>: never ended here (rsync keeps its own --timeout)', () => {
    const c = new StuckCheck();
    for (let i = 0; i < 10; i++) assert.equal(c.answered(false, true, 10_000).kind, 'fail-log');
  });
  it('nothing running resets the silence count', () => {
    const c = new StuckCheck();
    c.answered(false, false, 10_000);
    c.answered(false, false, 20_000);
    c.look(30_000, null);
    assert.equal(c.answered(false, false, 10_000).kind, 'fail-log');
  });
});
