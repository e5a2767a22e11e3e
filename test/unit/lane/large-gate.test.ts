import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileGate, GATE, type FileLook } from '../../../src/lane/large-gate.js';

const MiB = 1024 * 1024;
const file = (size: number, sig = `ino:${size}`, writing = false): FileLook => ({ file: { size, sig }, writing });

/**
 * Drives a gate the way the lane does: events at the given times, a look whenever one is due
 * (what `see(now)` returns), until it is ready or `until`. Returns when it became ready (or
 * null) and the times it looked.
 */
function drive(
  gate: FileGate,
  events: readonly number[],
  see: (now: number) => FileLook,
  until: number,
  complete = true,
): { readyAt: number | null; looks: number[] } {
  const looks: number[] = [];
  const queue = [...events];
  for (let now = 0; now <= until; now++) {
    while (queue.length > 0 && queue[0]! <= now) gate.event(queue.shift()!);
    if (gate.ready(now)) return { readyAt: now, looks };
    if (gate.nextLookAt() <= now) {
      looks.push(now);
      gate.observe(see(now), complete, 0, now);
      if (gate.ready(now)) return { readyAt: now, looks };
    }
  }
  return { readyAt: null, looks };
}

/** The bench's writer: 8 MiB every 80 ms for 2 s, open all along, closed at 2000. */
const benchWriter = (now: number): FileLook =>
  now < 2000 ? file(Math.floor(now / 80) * 8 * MiB, `s${Math.floor(now / 80)}`, true) : file(200 * MiB, 'final');
const every80 = Array.from({ length: 26 }, (_, i) => i * 80);

describe('FileGate: a big file goes once it is written', () => {
  it('written every 80 ms, then closed: no look while it is written, ready two looks (settleMs apart) after the close', () => {
    const g = new FileGate(0);
    const { readyAt, looks } = drive(g, every80, benchWriter, 10_000);
    assert.deepEqual(
      looks,
      [2100, 2200],
      'the first look settleMs after the last event; the second confirms nothing changed',
    );
    assert.equal(readyAt, 2200);
  });
  it('a writer that pauses but keeps the file open is not mistaken for done: it waits for the close', () => {
    // Writes until 500, pauses (open) until 1500, writes until 2000, closes.
    const events = [0, 100, 200, 300, 400, 500, 1500, 1600, 1700, 1800, 1900, 2000];
    const see = (now: number): FileLook =>
      now < 2000 ? file(64 * MiB, now < 1500 ? 'a' : 'b', true) : file(100 * MiB, 'done');
    const { readyAt, looks } = drive(new FileGate(0), events, see, 10_000);
    assert.ok(
      looks.some((t) => t > 500 && t < 1500),
      'it looked during the pause',
    );
    assert.ok(
      readyAt !== null && readyAt >= 2100 && readyAt <= 2300,
      `ready after the close, not in the pause (${readyAt})`,
    );
  });
  it('open for writing but idle (a database): it goes after idleWriterMs of quiet, looking less often meanwhile', () => {
    const see = (): FileLook => file(80 * MiB, 'same', true);
    const { readyAt, looks } = drive(new FileGate(0), [0], see, 10_000);
    assert.equal(
      readyAt,
      GATE.idleWriterMs + 100,
      'the first look fixes the signature; idleWriterMs later it is ready',
    );
    assert.ok(looks.length < GATE.idleWriterMs / GATE.lookMs / 2, `looks back off: ${looks.join(' ')}`);
  });
  it('when the scan could not see every process (not root): quiet for unseenQuietMs', () => {
    const { readyAt } = drive(new FileGate(0), every80, benchWriter, 10_000, false);
    assert.ok(
      readyAt !== null && readyAt >= 2000 + GATE.unseenQuietMs && readyAt <= 2000 + GATE.unseenQuietMs + 150,
      `${readyAt}`,
    );
  });
  it('still changing without events (the watcher lags): the signature holds it', () => {
    let n = 0;
    const see = (now: number): FileLook => (now < 3000 ? file(70 * MiB, `grow${n++}`) : file(70 * MiB, 'final'));
    const { readyAt } = drive(new FileGate(0), [0], see, 10_000);
    assert.ok(readyAt !== null && readyAt > 3000 && readyAt <= 3000 + 2 * GATE.lookMs + 1, `${readyAt}`);
  });
  it('written forever (a growing log): ready at the cap, counted from the first event', () => {
    const events = Array.from({ length: 500 }, (_, i) => i * 80);
    const see = (now: number): FileLook => file(100 * MiB + now, `g${now}`, true);
    assert.equal(drive(new FileGate(0), events, see, 60_000).readyAt, GATE.capMs);
  });
  it('gone, a directory now, or small now: ready at the first look', () => {
    for (const look of [{ file: null, writing: false }, file(GATE.growingBytes - 1, 'x', true)])
      assert.equal(drive(new FileGate(0), [0], () => look, 10_000).readyAt, GATE.settleMs, JSON.stringify(look));
  });
  it('a change after it was found ready: not ready until a look finds it quiet again', () => {
    const g = new FileGate(0);
    g.observe(file(70 * MiB, 'a'), true, 0, 100);
    g.observe(file(70 * MiB, 'a'), true, 0, 200);
    assert.equal(g.ready(200), true);
    g.event(250);
    assert.equal(g.ready(260), false);
    assert.equal(g.nextLookAt(), 250 + GATE.settleMs);
  });
  it('an expensive look (a busy /proc) spaces the looks: lookCostFactor times its cost', () => {
    const g = new FileGate(0);
    g.observe(file(70 * MiB, 'a', true), true, 30, 100);
    assert.equal(g.nextLookAt(), 100 + GATE.lookCostFactor * 30);
  });
});
