import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LargeFileSlot, mergeInto, splitForLarge, type SlotLook } from '../../../src/lane/large-files.js';
import { GATE, type FileLook } from '../../../src/lane/large-gate.js';
import type { PendingEntry } from '../../../src/aggregate/types.js';

const e = (path: string, kind: PendingEntry['kind'] = 'path'): PendingEntry => ({ path, kind });

describe('splitForLarge: the main slot never sends what the large-file slot holds', () => {
  it('nothing is held when the large-file slot is empty', () => {
    assert.deepEqual(splitForLarge([e('a'), e('b')], new Set()), { now: [e('a'), e('b')], held: [] });
  });
  it('the same path, a directory above it and a path below it are held; siblings and look-alikes go now', () => {
    const got = splitForLarge(
      [e('v/big.bin'), e('v', 'tree'), e('v/big.bin/x'), e('v/small'), e('vv'), e('v/big.bin2'), e('other')],
      new Set(['v/big.bin']),
    );
    assert.deepEqual(got.held, [e('v/big.bin'), e('v', 'tree'), e('v/big.bin/x')]);
    assert.deepEqual(got.now, [e('v/small'), e('vv'), e('v/big.bin2'), e('other')]);
  });
});

describe('mergeInto', () => {
  it('keeps one entry per path, the wider listing winning', () => {
    const m = new Map<string, PendingEntry>();
    mergeInto(m, [e('d', 'dir-only'), e('f')]);
    mergeInto(m, [e('d', 'tree'), e('f', 'dir-only')]);
    assert.deepEqual([...m.values()], [e('d', 'tree'), e('f', 'path')]);
  });
});

describe('LargeFileSlot: held files go once written, what waits for them goes with them', () => {
  const MiB = 1024 * 1024;
  const look = (files: Record<string, FileLook>, complete = true): SlotLook => ({
    files: new Map(Object.entries(files)),
    complete,
    costMs: 0,
  });
  const big = (sig: string, writing = false): FileLook => ({ file: { size: 100 * MiB, sig }, writing });
  /** Looks (with what `see` shows) whenever the slot says one is due, from `from` to `to`; returns when it was first ready. */
  const until = (
    slot: LargeFileSlot,
    from: number,
    to: number,
    see: (p: string, now: number) => FileLook,
  ): number | null => {
    for (let now = from; now <= to; now++) {
      const due = slot.lookDue(now);
      if (due.length) slot.observe(look(Object.fromEntries(due.map((p) => [p, see(p, now)]))), now);
      if (slot.ready(now)) return now;
    }
    return null;
  };

  it('a held file is not ready before a look; the first look is due settleMs after it was held', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('v/big')], 1000);
    assert.equal(slot.ready(1000), false);
    assert.equal(slot.nextLookInMs(1000), GATE.settleMs);
    assert.deepEqual(slot.lookDue(1000 + GATE.settleMs), ['v/big']);
  });
  it('a change of the held file (split or add) is an event for it: its next look moves', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('big')], 0);
    assert.deepEqual(slot.split([e('big'), e('small')], 90), [e('small')]);
    assert.equal(slot.nextLookInMs(90), GATE.settleMs);
  });
  it('the directory above a held file waits for it and goes with it; a sibling goes to the main slot', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('v/big')], 0);
    assert.deepEqual(slot.split([e('v', 'tree'), e('w/small')], 10), [e('w/small')]);
    assert.equal(slot.ready(50), false, 'v waits: sending it would send v/big');
    const at = until(slot, 0, 5000, () => big('done'));
    assert.equal(at, 2 * GATE.settleMs);
    assert.deepEqual(slot.start(at).entries, [e('v/big'), e('v', 'tree')]);
    assert.equal(slot.waitingCount, 0);
  });
  it('of two held files, the written one goes; the one still being written stays, and what waits for it', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('a/done.bin'), e('b/writing.bin')], 0);
    slot.split([e('b', 'dir-only')], 0);
    const at = until(slot, 0, 5000, (p) => (p === 'a/done.bin' ? big('x') : big(`w`, true)));
    assert.deepEqual(slot.start(at!).entries, [e('a/done.bin')]);
    assert.deepEqual(slot.waitingEntries(), [e('b/writing.bin'), e('b', 'dir-only')]);
    assert.equal(slot.writingCount, 1);
  });
  it('a change of a file while it is being sent: after that transfer it waits again, it does not go at once', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('big')], 0);
    const at = until(slot, 0, 5000, () => big('a'))!;
    slot.start(at);
    assert.deepEqual(slot.split([e('big')], at + 10), []);
    slot.done();
    assert.equal(slot.ready(at + 20), false);
    assert.equal(slot.nextLookInMs(at + 20), GATE.settleMs - 10);
  });
  it('clear (a full sync covers it): nothing waits, nothing to look at', () => {
    const slot = new LargeFileSlot();
    slot.hold([e('big')], 0);
    slot.clear();
    assert.deepEqual([slot.waitingCount, slot.nextLookInMs(0), slot.lookDue(1000).length], [0, null, 0]);
  });
});
