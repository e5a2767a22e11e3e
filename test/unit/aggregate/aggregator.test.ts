import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator, LEADING_MAX_PATHS, MOVE_HALVES_MS } from '../../../src/aggregate/aggregator.js';
import { BURST } from '../../../src/aggregate/burst.js';

const agg = (delayMs = 20, maxDelayMs = 100, maxPathsPerDir = 1000, maxPendingPaths = 1_000_000): Aggregator =>
  new Aggregator({ delayMs, maxDelayMs }, { maxPathsPerDir, maxPendingPaths });

/** Time is a number passed in: no clock, no sleeps. */
describe('Aggregator: quiet-time debounce with a cap', () => {
  it('a path is due once quiet for delay; a new event restarts the quiet time', () => {
    const a = agg(20, 1000);
    a.add('f', 'path', 0);
    assert.equal(a.nextDeadline(), 20);
    a.add('f', 'path', 15);
    assert.equal(a.nextDeadline(), 35);
    assert.equal(a.due(20), null);
    assert.deepEqual(a.due(35)?.entries, [{ path: 'f', kind: 'path' }]);
    assert.equal(a.size, 0);
    assert.equal(a.nextDeadline(), null);
  });
  it('a path changing every 10 ms still ships at maxDelay after it first became dirty', () => {
    const a = agg(20, 100);
    let shipped: number | null = null;
    for (let t = 0; t <= 200 && shipped === null; t += 10) {
      if (a.due(t)) shipped = t;
      else a.add('hot', 'path', t);
    }
    assert.equal(shipped, 100);
  });
  it('only due paths ship; others keep waiting', () => {
    const a = agg(20, 1000);
    a.add('early', 'path', 0);
    a.add('late', 'path', 10);
    assert.deepEqual(
      a.due(25)?.entries.map((e) => e.path),
      ['early'],
    );
    assert.deepEqual(
      a.due(30)?.entries.map((e) => e.path),
      ['late'],
    );
  });
  it('an event under a pending directory refreshes the directory, but the cap still counts from its first change', () => {
    const a = agg(20, 100);
    a.add('d', 'tree', 0);
    a.add('d/x', 'path', 15);
    assert.equal(a.nextDeadline(), 35);
    a.add('d/y', 'path', 90);
    assert.equal(a.nextDeadline(), 100, 'capped at first + maxDelay');
    assert.deepEqual(a.due(100)?.entries, [{ path: 'd', kind: 'tree' }]);
  });
  it('a covering entry inherits the earliest first-dirty time of what it subsumes', () => {
    const a = agg(20, 100);
    a.add('d/a', 'path', 0);
    a.add('d/a', 'path', 10);
    a.add('d', 'tree', 50);
    assert.equal(a.nextDeadline(), 70);
    a.add('d/b', 'path', 60);
    assert.equal(a.nextDeadline(), 80);
    a.add('d/c', 'path', 95);
    assert.equal(a.nextDeadline(), 100, 'the cap counts from d/a at t=0');
  });
  it('a roll-up inherits the earliest first-dirty time', () => {
    const a = agg(20, 100, 2);
    a.add('d/1', 'path', 0);
    a.add('d/2', 'path', 30);
    a.add('d/3', 'path', 90);
    assert.equal(a.size, 1);
    assert.equal(a.nextDeadline(), 100);
    assert.deepEqual(a.due(100)?.entries, [{ path: 'd', kind: 'tree' }]);
  });
  it('a full sync request is due at once and carries everything pending away', () => {
    const a = agg(20, 100);
    a.add('x', 'path', 0);
    a.requestFullSync(5);
    assert.equal(a.nextDeadline(), 5);
    const b = a.due(5);
    assert.equal(b?.fullSync, true);
    assert.equal(a.size, 0);
    assert.equal(a.due(1000), null);
  });
  it('oldestPendingSince reports the earliest first-dirty time', () => {
    const a = agg();
    assert.equal(a.oldestPendingSince(), null);
    a.add('b', 'path', 7);
    a.add('a', 'path', 3);
    assert.equal(a.oldestPendingSince(), 3);
  });
  it('100,000 paths drained at increasing times: every path ships exactly once', () => {
    const a = agg(20, 1000, 100_000, 1_000_000);
    const all = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const p = `d${i % 997}/f${i}`;
      all.add(p);
      a.add(p, 'path', i % 500);
    }
    const seen = new Map<string, number>();
    for (let t = 0; t <= 2000; t += 7) {
      const b = a.due(t);
      for (const e of b?.entries ?? []) seen.set(e.path, (seen.get(e.path) ?? 0) + 1);
    }
    assert.equal(a.size, 0);
    assert.equal(seen.size, all.size);
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      'no path shipped twice',
    );
  });
});

describe('Aggregator: a quiet root goes out whole', () => {
  it('quiet for delayMs: one due() gives every entry, sorted, whatever its deadline; nothing stays', () => {
    const a = new Aggregator(
      { delayMs: 20, maxDelayMs: 1000, leadingEdge: true },
      { maxPathsPerDir: 5, maxPendingPaths: 1000 },
    );
    a.add('lead', 'path', 0); // leading edge: due at once
    for (let i = 0; i < 6; i++) a.add(`many/f${i}`, 'path', 4 + i); // rolled up into 'many' (tree)
    a.add('gone', 'path', 12, true);
    a.add('b/c', 'dir-only', 14);
    for (let t = 15; t < 30; t++) a.add('hot', 'path', t); // changed again and again
    const pending = a.peek().entries;
    const b = a.due(29 + 20);
    assert.deepEqual(b, { fullSync: false, entries: pending });
    assert.deepEqual(
      b.entries.map((e) => e.path),
      ['b/c', 'gone', 'hot', 'lead', 'many'],
    );
    assert.equal(a.size, 0);
    assert.equal(a.nextDeadline(), null);
    assert.equal(a.due(10_000), null);
  });

  it('random changes without bursts: each due() gives exactly the paths whose deadline has passed', () => {
    // Against a model of the rule (quiet delayMs, capped at maxDelayMs from the first change):
    // cuts a moment after the last change take some paths; cuts delayMs after it take all.
    let seed = 21;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const a = agg(20, 100);
    const model = new Map<string, { first: number; last: number }>();
    let t = 0;
    for (let step = 0; step < 3000; step++) {
      t += rand(3) === 0 ? rand(60) : rand(4);
      if (rand(4) > 0) {
        const p = `d${rand(7)}/f${rand(40)}`; // few enough a window: no burst, no roll-up
        a.add(p, 'path', t);
        const m = model.get(p);
        model.set(p, { first: m?.first ?? t, last: t });
        continue;
      }
      const due = [...model]
        .filter(([, m]) => Math.min(m.last + 20, m.first + 100) <= t)
        .map(([p]) => p)
        .sort();
      for (const p of due) model.delete(p);
      assert.deepEqual(a.due(t)?.entries.map((e) => e.path) ?? [], due, `cut at ${t}`);
    }
  });
});

/**
 * Drives an aggregator like the intake: events at their times, a tick at every nextDeadline();
 * returns the batches as [time, paths].
 */
function run(
  a: Aggregator,
  events: ReadonlyArray<readonly [number, string]>,
  until: number,
): Array<[number, string[]]> {
  const out: Array<[number, string[]]> = [];
  let i = 0;
  for (let t = 0; t <= until; t++) {
    while (i < events.length && events[i]![0] <= t) a.add(events[i]![1], 'path', events[i++]![0]);
    const d = a.nextDeadline();
    if (d === null || d > t) continue;
    const b = a.due(t);
    if (b) out.push([t, b.entries.map((e) => e.path)]);
  }
  return out;
}

describe('Aggregator: bursts ship when they end', () => {
  const burst = (from: number, ms: number, perMs: number, prefix = 'f'): Array<[number, string]> =>
    Array.from(
      { length: ms * perMs },
      (_, k) => [from + Math.floor(k / perMs), `d${k % 100}/${prefix}${from}-${k}`] as [number, string],
    );
  it('a lone edit does not wait: due after the quiet time', () => {
    assert.deepEqual(run(agg(20, 1000), [[0, 'lone']], 2000), [[20, ['lone']]]);
  });
  it('a burst (10 events a ms for 300 ms) is one batch, BURST.quietMs after its last event', () => {
    const got = run(agg(20, 1000), burst(0, 300, 10), 3000);
    assert.equal(got.length, 1, JSON.stringify(got.map(([t, p]) => [t, p.length])));
    assert.deepEqual([got[0]![0], got[0]![1].length], [299 + BURST.quietMs, 3000]);
  });
  it('without the burst rule this would have been a batch every 20 ms or so', () => {
    // The same events in a trickle below the burst rate (one every 8 ms): each ships on its own quiet time.
    const trickle = Array.from({ length: 40 }, (_, k) => [k * 8, `s${k}`] as [number, string]);
    const got = run(agg(20, 1000), trickle, 3000);
    assert.equal(got.length, 40, 'a stream of 125 files a second keeps its latency');
    assert.ok(got.every(([t, [p]]) => t === Number(p!.slice(1)) * 8 + 20));
  });
  it('a burst that goes on for seconds still ships about once per maxDelay, counted from the oldest change', () => {
    const got = run(agg(20, 1000), burst(0, 3500, 10), 10_000);
    const times = got.map(([t]) => t);
    assert.equal(times[0], 1000);
    assert.equal(times[times.length - 1], 3499 + BURST.quietMs);
    // Each release leaves what changed in the last delayMs: the next cap counts from those.
    for (let k = 1; k < times.length - 1; k++)
      assert.ok(times[k]! - times[k - 1]! >= 1000 - 20 && times[k]! - times[k - 1]! <= 1000, times.join(' '));
    assert.equal(times.length, 4);
    assert.equal(
      got.reduce((n, [, p]) => n + p.length, 0),
      10 * 3500,
      'nothing lost',
    );
  });
  it('a change pending before the burst began keeps its own cap', () => {
    const events = [[0, 'before'], [15, 'before'], ...burst(10, 2000, 10)].sort(
      (x, y) => (x[0] as number) - (y[0] as number),
    ) as Array<[number, string]>;
    const got = run(agg(20, 1000), events, 10_000);
    assert.equal(got[0]![0], 1000, 'the cap of `before` (first change at 0), not 10 ms later');
    assert.ok(got[0]![1].includes('before'));
  });
  it('one chunk of 200 events at once (the main thread was busy), then a trickle: held at most two windows', () => {
    const chunk = Array.from({ length: BURST.events }, (_, k) => [0, `c${k}`] as [number, string]);
    const trickle = Array.from({ length: 60 }, (_, k) => [(k + 1) * 8, `s${k}`] as [number, string]);
    const got = run(agg(20, 1000), [...chunk, ...trickle], 3000);
    const first = got[0]!;
    assert.ok(first[0] <= 2 * BURST.windowMs + BURST.quietMs, `released by ${first[0]}`);
    const last = got[got.length - 1]!;
    assert.equal(last[0], 60 * 8 + 20, 'after the burst window passed, the trickle ships on its own quiet time again');
  });
  // The bench's burst-delete (issue 21): the watcher's first messages of an rm of 3,000 files held
  // 128 and 64 events, 30 ms apart, under BURST.events in a window; each shipped on its own.
  it('deliveries of 128, 64, then 2,808 paths 30 ms apart (an rm of 3,000 files): one batch', () => {
    const at = (t: number, n: number, p: string): Array<[number, string]> =>
      Array.from({ length: n }, (_, k) => [t, `d${k % 100}/${p}${k}`] as [number, string]);
    const got = run(agg(20, 1000), [...at(0, 128, 'a'), ...at(30, 64, 'b'), ...at(60, 2808, 'c')], 3000);
    assert.deepEqual(
      got.map(([t, p]) => [t, p.length]),
      [[60 + BURST.quietMs, 3000]],
    );
  });
  it('a delivery of BURST.delivery paths or fewer is no burst: due after the quiet time', () => {
    const few = Array.from({ length: BURST.delivery }, (_, k) => [0, `p${k}`] as [number, string]);
    assert.deepEqual(
      run(agg(20, 1000), few, 1000).map(([t, p]) => [t, p.length]),
      [[20, BURST.delivery]],
    );
  });
});

describe('Aggregator: leading edge (the first change after a quiet period is due at once)', () => {
  const lead = (delayMs = 20, maxDelayMs = 1000): Aggregator =>
    new Aggregator({ delayMs, maxDelayMs, leadingEdge: true }, { maxPathsPerDir: 1000, maxPendingPaths: 1_000_000 });
  const burst = (from: number, ms: number, perMs: number): Array<[number, string]> =>
    Array.from(
      { length: ms * perMs },
      (_, k) => [from + Math.floor(k / perMs), `d${k % 100}/b${k}`] as [number, string],
    );

  it('a lone change is due at the time it came, not after the quiet time', () => {
    const a = lead();
    a.add('f', 'path', 1000);
    assert.equal(a.nextDeadline(), 1000);
    assert.deepEqual(a.due(1000)?.entries, [{ path: 'f', kind: 'path' }]);
    assert.equal(a.nextDeadline(), null);
  });
  it('every change of the same delivery rides the leading edge; a later one waits its quiet time', () => {
    const a = lead();
    a.add('a', 'path', 500);
    a.add('b', 'path', 500);
    a.add('c', 'path', 505);
    assert.deepEqual(
      a.due(500)?.entries.map((e) => e.path),
      ['a', 'b'],
    );
    assert.equal(a.nextDeadline(), 525, 'c: trailing edge, 20 ms after it came');
    assert.equal(a.due(524), null);
    assert.deepEqual(
      a.due(525)?.entries.map((e) => e.path),
      ['c'],
    );
  });
  it('a removal never rides the leading edge: it waits its quiet time (the brake sees an rm -rf whole)', () => {
    const a = lead();
    a.add('gone', 'tree', 1000, true);
    a.add('new', 'path', 1000);
    assert.deepEqual(a.due(1000)?.entries, [{ path: 'new', kind: 'path' }]);
    assert.equal(a.nextDeadline(), 1020, 'the removal: 20 ms after it came');
    assert.equal(a.due(1019), null);
    assert.deepEqual(a.due(1020)?.entries, [{ path: 'gone', kind: 'tree' }]);
  });
  it('a path changed again after its leading edge waits (nothing is lost if it was not taken yet)', () => {
    const a = lead();
    a.add('f', 'path', 100);
    a.add('f', 'path', 110);
    assert.equal(a.nextDeadline(), 130);
    assert.deepEqual(a.due(130)?.entries, [{ path: 'f', kind: 'path' }]);
  });
  it('a new quiet period after the last change gets its own leading edge', () => {
    const a = lead();
    a.add('x', 'path', 0);
    assert.ok(a.due(0));
    a.add('y', 'path', 10);
    assert.equal(a.nextDeadline(), 30, 'not quiet: 10 ms after the last change');
    assert.ok(a.due(30));
    a.add('z', 'path', 60);
    assert.equal(a.nextDeadline(), 60, 'quiet for 50 ms: due at once');
  });
  it('a leading change not yet taken when the next quiet period starts still ships (trailing deadline kept)', () => {
    const a = lead();
    a.add('old', 'path', 0);
    a.add('new', 'path', 100);
    assert.deepEqual(
      a.due(100)?.entries.map((e) => e.path),
      ['new', 'old'],
    );
  });
  it('a burst still folds: 10,000 files over a second ship in a few batches, nothing lost', () => {
    const got = run(lead(), burst(1000, 1000, 10), 5000);
    assert.ok(got.length <= 4, `batches at ${got.map(([t, p]) => `${t}:${p.length}`).join(' ')}`);
    assert.equal(got[0]![0], 1000, 'the first change went at once');
    assert.equal(
      got.reduce((n, [, p]) => n + p.length, 0),
      10_000,
      'nothing lost',
    );
  });
  it('a burst delivered in one chunk is held with the burst, not sent in pieces', () => {
    const a = lead();
    for (let k = 0; k < BURST.events * 2; k++) a.add(`c${k}`, 'path', 1000);
    assert.equal(a.due(1000), null, 'held: a burst is on');
    assert.equal(a.due(1000 + BURST.quietMs)?.entries.length, BURST.events * 2);
  });
});

describe('Aggregator: a burst is not over while the watcher has more to report', () => {
  // The bench's burst-modify on a busy machine (issue 21): 2,000 events "more coming", the next
  // message 133 ms later with 2,000 more, then 1,000; the burst went quiet after 50 ms and the
  // 5,000 files shipped as two runs.
  const deliver = (a: Aggregator, from: number, n: number, at: number, behind: boolean): void => {
    for (let k = from; k < from + n; k++) a.add(`d${k % 10}/f${k}`, 'path', at);
    a.watcherBehind(behind);
  };
  it('a delivery marked "more coming" holds past the quiet time; the rest joins it in one batch', () => {
    const a = agg(20, 1000);
    deliver(a, 0, 2000, 0, true);
    assert.equal(a.nextDeadline(), 1000, 'only the cap bounds the wait');
    assert.equal(a.due(BURST.quietMs + 80), null, 'held well past the quiet time');
    deliver(a, 2000, 2000, 133, true);
    deliver(a, 4000, 1000, 155, false);
    assert.equal(a.nextDeadline(), 155 + BURST.quietMs);
    assert.equal(a.due(155 + BURST.quietMs - 1), null);
    assert.equal(a.due(155 + BURST.quietMs)?.entries.length, 5000, 'one batch of all 5,000');
  });
  it('a watcher that stays behind still ships at maxDelay from the oldest change', () => {
    const a = agg(20, 1000);
    deliver(a, 0, 500, 0, true);
    assert.equal(a.due(999), null);
    assert.equal(a.due(1000)?.entries.length, 500);
  });
  it('"more coming" after a lone edit (no burst) changes nothing: due after its quiet time', () => {
    const a = agg(20, 1000);
    deliver(a, 0, 1, 0, true);
    assert.equal(a.due(20)?.entries.length, 1);
  });
});

describe('Aggregator: a burst gets no leading edge', () => {
  it('a first delivery of more than LEADING_MAX_PATHS paths waits the quiet time of a burst, all of it', () => {
    const a = new Aggregator(
      { delayMs: 20, maxDelayMs: 1000, leadingEdge: true },
      { maxPathsPerDir: 1000, maxPendingPaths: 1_000_000 },
    );
    for (let k = 0; k <= LEADING_MAX_PATHS; k++) a.add(`d/f${k}`, 'path', 1000);
    assert.equal(a.due(1000), null, 'not at once');
    assert.equal(a.nextDeadline(), 1000 + BURST.quietMs);
    assert.equal(a.due(1000 + BURST.quietMs)?.entries.length, LEADING_MAX_PATHS + 1);
  });
  it('a first delivery the watcher says is not all it has (more coming) waits, however few its paths; a whole one goes at once', () => {
    const a = new Aggregator(
      { delayMs: 20, maxDelayMs: 1000, leadingEdge: true },
      { maxPathsPerDir: 1000, maxPendingPaths: 1_000_000 },
    );
    a.delivery(false);
    for (let k = 0; k < 5; k++) a.add(`r0/f${k}`, 'path', 1000);
    a.watcherBehind(true);
    assert.equal(a.due(1000), null, 'not at once: the rest of the backlog follows');
    a.delivery(true);
    for (let k = 5; k < 21; k++) a.add(`r0/f${k}`, 'path', 1010);
    a.watcherBehind(false);
    assert.equal(a.due(1010), null, 'the second part came within the quiet time: no leading edge either');
    assert.deepEqual(
      a.due(1030)?.entries.map((e) => e.path),
      Array.from({ length: 21 }, (_, k) => `r0/f${k}`).sort(),
      'one batch: the whole directory together',
    );
    // Quiet since: a whole delivery of one path is a lone change again.
    a.add('lone', 'path', 2000);
    assert.deepEqual(a.due(2000)?.entries, [{ path: 'lone', kind: 'path' }]);
  });
  it('a first delivery of LEADING_MAX_PATHS paths still goes at once', () => {
    const a = new Aggregator(
      { delayMs: 20, maxDelayMs: 1000, leadingEdge: true },
      { maxPathsPerDir: 1000, maxPendingPaths: 1_000_000 },
    );
    for (let k = 0; k < LEADING_MAX_PATHS; k++) a.add(`d/f${k}`, 'path', 1000);
    assert.equal(a.due(1000)?.entries.length, LEADING_MAX_PATHS);
  });
});

describe('Aggregator: a cap cut does not split a move', () => {
  // A reuse test in CI (issue 21): 1,000 renames, then `mv movedir movedir2`, took over a second;
  // the cap cut after movedir's removal and before movedir2's creation, the removal shipped alone
  // and movedir2 was received in full (its seed had nothing left to link from).
  const busy = (a: Aggregator, from: number, until: number): void => {
    for (let t = from; t < until; t++) for (let k = 0; k < 5; k++) a.add(`many/f${t}-${k}`, 'path', t);
    a.watcherBehind(true);
  };
  it('a removal younger than MOVE_HALVES_MS at a cap cut waits; the next cut holds both halves', () => {
    const a = agg(20, 1000);
    busy(a, 0, 980);
    a.add('movedir', 'path', 980, true);
    assert.deepEqual(
      a.due(1000)?.entries.map((e) => e.path),
      ['many'],
      'the cap cut ships the burst so far (rolled up), not the young removal',
    );
    a.add('movedir2', 'tree', 1010);
    a.watcherBehind(false);
    assert.equal(a.nextDeadline(), 1010 + BURST.quietMs, 'the burst ends with its quiet time');
    assert.deepEqual(
      a.due(1010 + BURST.quietMs)?.entries.map((e) => e.path),
      ['movedir', 'movedir2'],
    );
    assert.equal(a.size, 0);
  });
  it('a removal older than MOVE_HALVES_MS ships with the cap cut', () => {
    const a = agg(20, 1000);
    busy(a, 0, 980);
    a.add('gone', 'path', 1000 - MOVE_HALVES_MS, true);
    assert.ok(a.due(1000)!.entries.some((e) => e.path === 'gone'));
  });
  it('a burst that keeps going still ships the waiting removal at its own cap', () => {
    const a = agg(20, 1000);
    busy(a, 0, 990);
    a.add('movedir', 'path', 990, true);
    assert.ok(!a.due(1000)!.entries.some((e) => e.path === 'movedir'));
    busy(a, 1000, 3000);
    assert.equal(a.nextDeadline(), 1990, 'maxDelayMs from the removal, the oldest change pending');
    assert.ok(a.due(1990)!.entries.some((e) => e.path === 'movedir'));
  });
  it('a path removed again and again during the burst still ships by its first change', () => {
    const a = agg(20, 1000);
    busy(a, 0, 980);
    for (let t = 500; t < 1000; t += 100) {
      a.add('flip', 'path', t);
      a.add('flip', 'path', t + 50, true);
    }
    assert.ok(
      a.due(1000)!.entries.some((e) => e.path === 'flip'),
      'dirty since 500: older than MOVE_HALVES_MS',
    );
  });
  it('a path that came back is no removal: it ships with the cap cut', () => {
    const a = agg(20, 1000);
    busy(a, 0, 980);
    a.add('back', 'path', 970, true);
    a.add('back', 'path', 975);
    assert.ok(a.due(1000)!.entries.some((e) => e.path === 'back'));
  });
  it('a young removal does not wait when the burst is over (a quiet cut)', () => {
    const a = agg(20, 1000);
    busy(a, 0, 300);
    a.add('movedir', 'path', 300, true);
    a.watcherBehind(false);
    const got = a.due(300 + BURST.quietMs)!;
    assert.ok(got.entries.some((e) => e.path === 'movedir'));
    assert.equal(a.size, 0);
  });
});
