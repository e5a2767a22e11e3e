import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, fractionDone, ProgressPacer } from '../../../src/verify/progress.js';

const GiB = 1024 ** 3;

describe('formatProgress (time is a parameter)', () => {
  it('files checked, bytes read, both rates and the ETA from the elapsed time', () => {
    // 10 s in: 45% of the files and 50% of the bytes: the slower, 45%, sets the ETA (12.2 s more).
    const line = formatProgress(
      'verify /src -> h::m',
      { entries: 100_000, bytes: 2 * GiB, filesChecked: 45_000, bytesRead: GiB },
      1_000,
      11_000,
    );
    assert.equal(
      line,
      'verify /src -> h::m: 45,000/100,000 files checked (45%), 1.0 GiB/2.0 GiB read, 4,500 files/s, 102.4 MiB/s, ETA 0:12',
    );
  });

  it('before anything is checked: ETA unknown; without /proc: no bytes read, the ETA from files alone', () => {
    assert.match(
      formatProgress('v', { entries: 10, bytes: 100, filesChecked: 0, bytesRead: 0 }, 0, 5000),
      /0\/10 files checked \(0%\), 0 B\/100 B read, 0 files\/s, 0 B\/s, ETA unknown$/,
    );
    assert.equal(
      formatProgress('v', { entries: 1000, bytes: 100, filesChecked: 250, bytesRead: null }, 0, 60_000),
      'v: 250/1,000 files checked (25%), 4 files/s, ETA 3:00',
    );
  });

  it('a tree of empty files: no bytes to show (rchar then only counts the socket)', () => {
    assert.equal(
      formatProgress('v', { entries: 100, bytes: 0, filesChecked: 50, bytesRead: 13_000 }, 0, 1000),
      'v: 50/100 files checked (50%), 50 files/s, ETA 0:01',
    );
  });

  it('an hour-long run shows h:mm:ss', () => {
    assert.match(
      formatProgress('v', { entries: 1000, bytes: 0, filesChecked: 100, bytesRead: null }, 0, 600_000),
      /ETA 1:30:00$/,
    );
  });

  it('fractionDone: the slower of files and bytes, capped at 1 (rchar also counts socket reads)', () => {
    assert.equal(fractionDone({ entries: 10, bytes: 100, filesChecked: 5, bytesRead: 90 }), 0.5);
    assert.equal(fractionDone({ entries: 10, bytes: 100, filesChecked: 12, bytesRead: 150 }), 1);
    assert.equal(fractionDone({ entries: 10, bytes: 0, filesChecked: 2, bytesRead: 0 }), 0.2);
  });
});

describe('ProgressPacer', () => {
  it('nothing for a run shorter than 2 s, then a line at 2 s and every 5 s after the last one', () => {
    const p = new ProgressPacer(10_000);
    const due = [10_000, 11_999, 12_000, 12_001, 16_999, 17_000, 21_999, 22_100].filter((t) => p.due(t));
    assert.deepEqual(due, [12_000, 17_000, 22_100]);
  });
  it('a custom period (the agent logs every minute)', () => {
    const p = new ProgressPacer(0, 60_000);
    assert.deepEqual(
      [1000, 2000, 30_000, 61_999, 62_000].filter((t) => p.due(t)),
      [2000, 62_000],
    );
  });
});
