import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtPaired, pairedRatios } from '../../../scripts/bench/stats.js';

test('pairedRatios divides each repeat by the floor of the same repeat', () => {
  const system = [
    { rep: 0, ms: 1200 },
    { rep: 1, ms: 3000 },
    { rep: 2, ms: 1100 },
  ];
  const floor = [
    { rep: 1, ms: 2500 },
    { rep: 0, ms: 1000 },
    { rep: 2, ms: 1000 },
  ];
  assert.deepEqual(pairedRatios(system, floor), [1.2, 1.2, 1.1]);
});

test('pairedRatios leaves out repeats missing on either side or without a time', () => {
  const system = [
    { rep: 0, ms: 500 },
    { rep: 1, ms: NaN },
    { rep: 3, ms: 800 },
  ];
  const floor = [
    { rep: 0, ms: 400 },
    { rep: 1, ms: 400 },
    { rep: 2, ms: 400 },
    { rep: 3, ms: 0 },
  ];
  assert.deepEqual(pairedRatios(system, floor), [1.25]);
});

test('fmtPaired gives the median and the range, or nothing', () => {
  assert.equal(fmtPaired([1.31, 1.05, 1.18]), '1.18x (1.05–1.31x)');
  assert.equal(fmtPaired([0.9]), '0.90x');
  assert.equal(fmtPaired([]), '');
});
