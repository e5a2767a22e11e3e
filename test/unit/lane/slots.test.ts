import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FairSlots } from '../../../src/lane/slots.js';

/** Runs that end only when the test says so, with how many of each host run at once. */
function harness(max: number, hosts: readonly string[]) {
  const slots = new FairSlots(max, hosts.length);
  const running = new Map<string, number>();
  const ends: Array<() => void> = [];
  let peak = 0;
  const total = (): number => [...running.values()].reduce((a, b) => a + b, 0);
  const start = (host: string): Promise<void> =>
    slots.forHost(host).run(async () => {
      running.set(host, (running.get(host) ?? 0) + 1);
      peak = Math.max(peak, total());
      await new Promise<void>((r) => ends.push(r));
      running.set(host, running.get(host)! - 1);
    });
  return {
    slots,
    start,
    running: (host: string) => running.get(host) ?? 0,
    total,
    peak: () => peak,
    /** Ends every run started so far. */
    endAll: async () => {
      for (const end of ends.splice(0)) end();
      await settle();
    },
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FairSlots: -n shared by remote host, a share of at least one each', () => {
  it('-n 1, two hosts: a host whose run hangs does not keep the other from running', async () => {
    const h = harness(1, ['10.0.0.1', '10.0.0.2']);
    void h.start('10.0.0.1');
    void h.start('10.0.0.1');
    void h.start('10.0.0.2');
    await settle();
    assert.equal(h.running('10.0.0.1'), 1, 'one at a time for the first host');
    assert.equal(h.running('10.0.0.2'), 1, 'the second host runs beside the hanging one');
    assert.deepEqual([h.slots.share, h.slots.total], [1, 2]);
    await h.endAll();
    assert.equal(h.running('10.0.0.1'), 1, "the first host's queued run goes next");
    await h.endAll();
    assert.equal(h.total(), 0);
  });

  it('-n 4, two hosts: each host up to its share of 2, four in all', async () => {
    const h = harness(4, ['a', 'b']);
    for (let i = 0; i < 3; i++) void h.start('a');
    await settle();
    assert.equal(h.running('a'), 2, 'a host takes no more than its share, however many it has queued');
    for (let i = 0; i < 3; i++) void h.start('b');
    await settle();
    assert.equal(h.running('b'), 2);
    assert.deepEqual([h.slots.share, h.slots.total], [2, 4]);
    await h.endAll();
    await h.endAll();
    assert.equal(h.total(), 0);
    assert.equal(h.peak(), 4);
  });

  it('-n 10, three hosts: 3 each, 9 in all (the total says so)', async () => {
    const h = harness(10, ['a', 'b', 'c']);
    for (const host of ['a', 'b', 'c']) for (let i = 0; i < 4; i++) void h.start(host);
    await settle();
    assert.deepEqual([h.running('a'), h.running('b'), h.running('c')], [3, 3, 3]);
    assert.deepEqual([h.slots.share, h.slots.total], [3, 9]);
    await h.endAll();
    await h.endAll();
    assert.equal(h.peak(), 9);
  });

  it('-n 3, one host: three at once, never more', async () => {
    const h = harness(3, ['a']);
    for (let i = 0; i < 5; i++) void h.start('a');
    await settle();
    assert.equal(h.running('a'), 3);
    await h.endAll();
    assert.equal(h.running('a'), 2, 'the two queued runs start as slots free up');
    await h.endAll();
    assert.equal(h.peak(), 3);
  });

  it('-n 2, three hosts: one each, three in all (one per host is the floor)', async () => {
    const h = harness(2, ['a', 'b', 'c']);
    for (const host of ['a', 'a', 'b', 'c']) void h.start(host);
    await settle();
    assert.deepEqual([h.running('a'), h.running('b'), h.running('c')], [1, 1, 1]);
    assert.equal(h.slots.total, 3);
    await h.endAll();
    await h.endAll();
    assert.equal(h.total(), 0);
  });

  it('a run that throws frees its slot', async () => {
    const slots = new FairSlots(1, 1);
    await assert.rejects(
      slots.forHost('a').run(() => Promise.reject(new Error('spawn failed'))),
      /spawn failed/,
    );
    assert.equal(await slots.forHost('a').run(() => Promise.resolve('next')), 'next');
  });
});
