import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeInto, splitForLarge } from '../../../src/lane/large-files.js';
import type { PendingEntry } from '../../../src/aggregate/types.js';

const e = (path: string, kind: PendingEntry['kind'] = 'path'): PendingEntry => ({ path, kind });

describe('splitForLarge: the main slot never sends what the large-file slot holds', () => {
  it('nothing is held when the large-file slot is empty', () => {
    assert.deepEqual(splitForLarge([e('a'), e('b')], new Set()), { now: [e('a'), e('b')], held: [] });
  });
  it('the same path, a directory above it and a path below it are held; siblings and look-alikes go now', () => {
    const got = splitForLarge([e('v/big.bin'), e('v', 'tree'), e('v/big.bin/x'), e('v/small'), e('vv'), e('v/big.bin2'), e('other')], new Set(['v/big.bin']));
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
