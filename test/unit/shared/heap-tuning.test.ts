import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

/**
 * A thread that keeps many young objects alive for a while (what a burst of events does) and
 * reports its young generation's size before and at most during the churn. `tuned`: it imports heap-tuning first,
 * as main.ts and dirwatch-worker.ts do.
 */
const CHURN = (tuned: boolean, tuningUrl: string): string => `
  ${tuned ? `await import(${JSON.stringify(tuningUrl)});` : ''}
  const v8 = await import('node:v8');
  const { parentPort } = await import('node:worker_threads');
  const newSpace = () => v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space').space_size;
  const first = newSpace();
  let kept = [];
  let max = 0;
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 20000; i++) kept.push({ path: 'dir/file-' + i + '-' + round, at: i });
    if (kept.length > 100000) kept = kept.slice(50000);
    max = Math.max(max, newSpace());
  }
  parentPort.postMessage({ first, max });
`;

function youngGenerationAfterChurn(tuned: boolean): Promise<{ first: number; max: number }> {
  const url = new URL('../../../src/shared/heap-tuning.js', import.meta.url).href;
  const w = new Worker(`(async () => {${CHURN(tuned, url)}})()`, { eval: true });
  return new Promise((resolve, reject) => {
    w.once('message', (m: { first: number; max: number }) => void w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}

describe('heap tuning: the young generation stays at its initial size', () => {
  it('in a thread that imports it: new space never grows through the churn', async () => {
    const { first, max } = await youngGenerationAfterChurn(true);
    assert.equal(max, first, `new space grew from ${first} to ${max} bytes`);
  });

  it('a thread that does not import it grows (a new isolate resets the flag: why the worker imports it too)', async () => {
    await import('../../../src/shared/heap-tuning.js');
    const { first, max } = await youngGenerationAfterChurn(false);
    assert.ok(max > first, `new space stayed at ${first} bytes`);
  });
});
