import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EARLY_EVENTS_MAX, OVERDUE_MS, Outbox } from '../../../src/watch/outbox.js';

/** outbox.ts's FLUSH_MS: a batch goes this long after its first event. */
const FLUSH_MS_FOR_TEST = 10;
import type { FromWorker } from '../../../src/watch/protocol.js';

/** The outbox's clock: it moves only with tick() (or a test that sets it), as the mocked timers do. */
let clockMs = 0;
const now = (): number => clockMs;

/** Mock time moves on, then the event loop turns once (the first look decides in a setImmediate). */
async function tick(ms: number): Promise<void> {
  clockMs += ms;
  mock.timers.tick(ms);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** An opened Outbox (files: [5]) whose worker is settled when `busy.idle` says so, and what it sent. */
function opened(busy: { idle: boolean }): { out: FromWorker[]; b: Outbox } {
  const out: FromWorker[] = [];
  const b = new Outbox(
    (m) => out.push(m),
    () => [5],
    () => busy.idle,
    now,
  );
  b.open([1]);
  return { out, b };
}

describe('Outbox: the worker side of the protocol', () => {
  let sent: FromWorker[];
  let box: Outbox;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    sent = [];
    // The roots' file counts (the brake's base) travel with ready and every events message once the first scan is done.
    box = new Outbox(
      (m) => sent.push(m),
      () => [7],
      () => true,
      now,
    );
  });
  afterEach(() => mock.timers.reset());

  it('holds the changes seen during the first scan until open(), then sends ready before them', async () => {
    box.emit(0, 'a', 'changed');
    box.emit(1, 'b', 'created', 'old');
    box.emit(0, '', 'changed'); // the root itself is never an event
    await tick(1000);
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

  it('flow() during the first scan: what was kept goes, then what comes; removals wait for open()', async () => {
    box.emit(0, 'a', 'changed');
    box.emit(0, 'old', 'removed');
    box.emit(0, 'd', 'dir-created', 'e');
    await tick(1000);
    assert.deepEqual(sent, [], 'nothing before flow()');
    box.flow();
    assert.deepEqual(sent, [
      {
        type: 'events',
        events: [
          [0, 'a', 'changed'],
          [0, 'd', 'dir-created', 'e'],
        ],
        settled: true,
      },
    ]);
    sent.length = 0;
    box.emit(0, 'b', 'created');
    box.emit(0, 'gone', 'removed');
    await tick(10);
    // No count before open(): the scan's counts are not whole.
    assert.deepEqual(sent, [{ type: 'events', events: [[0, 'b', 'created']], settled: true }]);
    sent.length = 0;
    box.problem({ root: 0, code: 'EMFILE', message: 'm' });
    assert.deepEqual(
      sent,
      [{ type: 'problem', problem: { root: 0, code: 'EMFILE', message: 'm' } }],
      'a problem does not send the removals ahead of the whole count',
    );
    sent.length = 0;
    box.emit(0, 'c', 'changed');
    box.open([2]);
    assert.deepEqual(sent, [
      { type: 'ready', watchedDirs: [2], files: [7] },
      {
        type: 'events',
        events: [
          [0, 'c', 'changed'],
          [0, 'old', 'removed'],
          [0, 'gone', 'removed'],
        ],
        files: [7],
        settled: true,
      },
    ]);
    sent.length = 0;
    box.emit(0, 'x', 'removed');
    await tick(2);
    await tick(8);
    assert.deepEqual(sent, [{ type: 'events', events: [[0, 'x', 'removed']], files: [7], settled: true }]);
  });

  it('watched() says ready before the counts are whole; open() sends them alone, ahead of the kept removals', async () => {
    box.emit(0, 'old', 'removed');
    box.flow();
    box.watched([3]);
    box.emit(0, 'b', 'created');
    box.emit(0, 'gone', 'removed');
    await tick(10);
    assert.deepEqual(sent, [
      { type: 'ready', watchedDirs: [3] },
      { type: 'events', events: [[0, 'b', 'created']], settled: true },
    ]);
    sent.length = 0;
    box.open([3]);
    assert.deepEqual(sent, [
      { type: 'events', events: [], files: [7], settled: true },
      {
        type: 'events',
        events: [
          [0, 'old', 'removed'],
          [0, 'gone', 'removed'],
        ],
        files: [7],
        settled: true,
      },
    ]);
  });

  it('flow() after the early changes overflowed changes nothing: open() asks for the full sync', async () => {
    for (let i = 0; i <= EARLY_EVENTS_MAX; i++) box.emit(0, 'f', 'changed');
    box.flow();
    box.emit(0, 'g', 'created');
    await tick(100);
    assert.equal(sent.length, 0);
    box.open([1]);
    assert.deepEqual(
      sent.map((m) => (m.type === 'problem' ? m.problem.code : m.type)),
      ['ready', 'early-overflow'],
    );
  });

  it('flow() after open() changes nothing', async () => {
    box.open([1]);
    sent.length = 0;
    box.flow();
    box.emit(0, 'gone', 'removed');
    await tick(2);
    await tick(8);
    assert.deepEqual(sent, [{ type: 'events', events: [[0, 'gone', 'removed']], files: [7], settled: true }]);
  });

  it('after open(), sends a few settled events 2 ms after the first (a lone save), one message', async () => {
    box.open([1]);
    sent.length = 0;
    box.emit(0, 'a', 'created');
    await tick(1);
    box.emit(0, 'a', 'changed');
    assert.deepEqual(sent, []);
    await tick(1);
    assert.deepEqual(sent, [
      {
        type: 'events',
        events: [
          [0, 'a', 'created'],
          [0, 'a', 'changed'],
        ],
        files: [7],
        settled: true,
      },
    ]);
    await tick(100);
    assert.equal(sent.length, 1, 'nothing more to send');
  });

  it('more than 4 events in the first 2 ms (a burst starting): one message 10 ms after the first', async () => {
    box.open([1]);
    sent.length = 0;
    for (let i = 0; i < 5; i++) box.emit(0, `f${i}`, 'changed');
    await tick(2);
    assert.deepEqual(sent, [], 'not sent at 2 ms');
    box.emit(0, 'g', 'changed');
    await tick(7);
    assert.deepEqual(sent, []);
    await tick(1);
    const events = [...['f0', 'f1', 'f2', 'f3', 'f4', 'g'].map((f) => [0, f, 'changed'])];
    assert.deepEqual(sent, [{ type: 'events', events, files: [7], settled: true }]);
  });

  it('a removal or a directory event is not a save: it waits the full 10 ms', async () => {
    box.open([1]);
    for (const kind of ['removed', 'dir-created', 'dir-changed'] as const) {
      sent.length = 0;
      box.emit(0, 'x', kind);
      await tick(2);
      assert.deepEqual(sent, [], `${kind}: not sent at 2 ms`);
      await tick(8);
      assert.deepEqual(sent, [{ type: 'events', events: [[0, 'x', kind]], files: [7], settled: true }], kind);
    }
  });

  it('one event while the worker still has events to look at: sent at 10 ms, not 2', async () => {
    const busy = { idle: false };
    const { out, b } = opened(busy);
    b.emit(0, 'a', 'created');
    await tick(2);
    assert.equal(out.length, 1, 'only ready so far');
    busy.idle = true; // settled by now, but the window was already extended
    b.emit(0, 'a', 'changed');
    await tick(8);
    assert.deepEqual(out.slice(1), [
      {
        type: 'events',
        events: [
          [0, 'a', 'created'],
          [0, 'a', 'changed'],
        ],
        files: [5],
        settled: true,
      },
    ]);
    b.stop();
  });

  it('sends at once when 2000 events wait (a burst never grows one message without bound)', async () => {
    box.open([1]);
    sent.length = 0;
    for (let i = 0; i < 2000; i++) box.emit(0, `f${i}`, 'changed');
    assert.equal(sent.length, 1);
    assert.equal((sent[0] as { events: unknown[] }).events.length, 2000);
  });

  it('a problem goes after the events seen before it', async () => {
    box.open([1]);
    sent.length = 0;
    box.emit(0, 'a', 'changed');
    box.problem({ root: 0, code: 'EMFILE', message: 'm' });
    assert.deepEqual(sent, [
      { type: 'events', events: [[0, 'a', 'changed']], files: [7], settled: true },
      { type: 'problem', problem: { root: 0, code: 'EMFILE', message: 'm' } },
    ]);
  });

  it('more early changes than it keeps: no events, an early-overflow problem (a full sync) instead', async () => {
    for (let i = 0; i <= EARLY_EVENTS_MAX; i++) box.emit(0, 'f', 'changed');
    box.open([1]);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0], { type: 'ready', watchedDirs: [1], files: [7] });
    assert.equal(sent[1]!.type, 'problem');
    assert.equal((sent[1] as { problem: { code: string; root: number } }).problem.code, 'early-overflow');
    assert.equal((sent[1] as { problem: { code: string; root: number } }).problem.root, -1);
  });

  it('says whether the worker was settled, and sends one more (empty) message when it settles', async () => {
    const busy = { idle: false };
    const { out, b } = opened(busy);
    b.emit(0, 'gone', 'removed');
    await tick(2); // not settled: the window runs its full 10 ms
    await tick(8);
    assert.deepEqual(out.slice(1), [{ type: 'events', events: [[0, 'gone', 'removed']], files: [5], settled: false }]);
    for (let i = 0; i < 5; i++) await tick(10);
    assert.equal(out.length, 7, 'an empty "not settled" message every 10 ms while busy');
    busy.idle = true;
    await tick(10);
    assert.deepEqual(out.at(-1), { type: 'events', events: [], files: [5], settled: true });
    for (let i = 0; i < 10; i++) await tick(100);
    assert.equal(out.length, 8, 'nothing more once settled');
    b.stop();
  });

  it('a stretch of events that keeps the loop from its timers: a message every OVERDUE_MS, saying more are coming; settled when the timers run again', async () => {
    box.open([1]);
    sent.length = 0;
    // libuv hands the worker one event after another; the clock moves, no timer can fire.
    for (let i = 0; i < 25; i++) {
      box.emit(0, `f${i}`, 'removed');
      clockMs += 1;
    }
    assert.deepEqual(
      sent.map((m) => (m.type === 'events' ? [m.events.length, m.settled] : m.type)),
      [[OVERDUE_MS + 1, false]],
      'sent once the first of them was OVERDUE_MS old, as not settled',
    );
    sent.length = 0;
    await tick(FLUSH_MS_FOR_TEST);
    assert.deepEqual(
      sent.map((m) => (m.type === 'events' ? [m.events.length, m.settled] : m.type)),
      [[25 - OVERDUE_MS - 1, true]],
      'the rest at the timer, settled',
    );
  });

  it('events apart in time while the timers run: sent by the timer, settled, never as more coming', async () => {
    box.open([1]);
    sent.length = 0;
    box.emit(0, 'a', 'removed');
    await tick(2);
    await tick(7);
    box.emit(0, 'b', 'removed');
    await tick(1);
    assert.deepEqual(
      sent.map((m) => (m.type === 'events' ? [m.events.length, m.settled] : m.type)),
      [[2, true]],
    );
  });
});
