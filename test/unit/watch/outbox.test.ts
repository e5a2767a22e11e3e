import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EARLY_EVENTS_MAX, Outbox } from '../../../src/watch/outbox.js';
import type { FromWorker } from '../../../src/watch/protocol.js';

describe('Outbox: the worker side of the protocol', () => {
  let sent: FromWorker[];
  let box: Outbox;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    sent = [];
    // The roots' file counts (the brake's base) travel with every ready and events message.
    box = new Outbox(
      (m) => sent.push(m),
      () => [7],
    );
  });
  afterEach(() => mock.timers.reset());

  it('holds the changes seen during the first scan until open(), then sends ready before them', () => {
    box.emit(0, 'a', 'changed');
    box.emit(1, 'b', 'created', 'old');
    box.emit(0, '', 'changed'); // the root itself is never an event
    mock.timers.tick(1000);
    assert.deepEqual(sent, []);
    box.open([3, 4]);
    assert.deepEqual(sent, [
      { type: 'ready', watchedDirs: [3, 4], files: [7] },
      {
        type: 'events',
        events: [
          [0, 'a', 'changed'],
          [1, 'b', 'created', 'old'],
        ],
        files: [7],
        settled: true,
      },
    ]);
  });

  it('after open(), batches events into one message 10 ms after the first', () => {
    box.open([1]);
    sent.length = 0;
    box.emit(0, 'a', 'changed');
    mock.timers.tick(5);
    box.emit(0, 'b', 'changed');
    mock.timers.tick(4);
    assert.deepEqual(sent, []);
    mock.timers.tick(1);
    assert.deepEqual(sent, [
      {
        type: 'events',
        events: [
          [0, 'a', 'changed'],
          [0, 'b', 'changed'],
        ],
        files: [7],
        settled: true,
      },
    ]);
    mock.timers.tick(100);
    assert.equal(sent.length, 1, 'nothing more to send');
  });

  it('sends at once when 2000 events wait (a burst never grows one message without bound)', () => {
    box.open([1]);
    sent.length = 0;
    for (let i = 0; i < 2000; i++) box.emit(0, `f${i}`, 'changed');
    assert.equal(sent.length, 1);
    assert.equal((sent[0] as { events: unknown[] }).events.length, 2000);
  });

  it('a problem goes after the events seen before it', () => {
    box.open([1]);
    sent.length = 0;
    box.emit(0, 'a', 'changed');
    box.problem({ root: 0, code: 'EMFILE', message: 'm' });
    assert.deepEqual(sent, [
      { type: 'events', events: [[0, 'a', 'changed']], files: [7], settled: true },
      { type: 'problem', problem: { root: 0, code: 'EMFILE', message: 'm' } },
    ]);
  });

  it('more early changes than it keeps: no events, an early-overflow problem (a full sync) instead', () => {
    for (let i = 0; i <= EARLY_EVENTS_MAX; i++) box.emit(0, 'f', 'changed');
    box.open([1]);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0], { type: 'ready', watchedDirs: [1], files: [7] });
    assert.equal(sent[1]!.type, 'problem');
    assert.equal((sent[1] as { problem: { code: string; root: number } }).problem.code, 'early-overflow');
    assert.equal((sent[1] as { problem: { code: string; root: number } }).problem.root, -1);
  });

  it('says whether the worker was settled, and sends one more (empty) message when it settles', () => {
    let idle = false;
    const out: FromWorker[] = [];
    const b = new Outbox(
      (m) => out.push(m),
      () => [5],
      () => idle,
    );
    b.open([1]);
    b.emit(0, 'gone', 'removed');
    mock.timers.tick(10);
    assert.deepEqual(out.slice(1), [{ type: 'events', events: [[0, 'gone', 'removed']], files: [5], settled: false }]);
    for (let i = 0; i < 5; i++) mock.timers.tick(10);
    assert.equal(out.length, 7, 'an empty "not settled" message every 10 ms while busy');
    idle = true;
    mock.timers.tick(10);
    assert.deepEqual(out.at(-1), { type: 'events', events: [], files: [5], settled: true });
    for (let i = 0; i < 10; i++) mock.timers.tick(100);
    assert.equal(out.length, 8, 'nothing more once settled');
    b.stop();
  });
});
