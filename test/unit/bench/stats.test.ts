import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtDiffs, fmtPaired, pairedDiffs, pairedRatios } from '../../../scripts/bench/stats.js';

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

test('pairedDiffs takes each repeat of the older build from the same repeat of this one, leaving out what is missing', () => {
  const system = [
    { rep: 0, ms: 420 },
    { rep: 1, ms: 380 },
    { rep: 2, ms: NaN },
    { rep: 4, ms: 500 },
  ];
  const before = [
    { rep: 1, ms: 400 },
    { rep: 0, ms: 410 },
    { rep: 2, ms: 400 },
    { rep: 3, ms: 400 },
  ];
  assert.deepEqual(pairedDiffs(system, before), [10, -20]);
});

test('fmtDiffs gives the median, the mean and how many repeats went each way, or nothing', () => {
  assert.equal(fmtDiffs([-19, 9, -51, -34, 25, 0, -21]), '-19 ms (mean -13 ms; faster in 4 of 7, slower in 2)');
  assert.equal(fmtDiffs([12]), '+12 ms (mean +12 ms; faster in 0 of 1, slower in 1)');
  assert.equal(fmtDiffs([]), '');
});
