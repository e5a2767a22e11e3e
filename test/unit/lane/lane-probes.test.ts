import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lane } from '../../../src/lane/lane.js';
import type { ProbeAnswer } from '../../../src/lane/lane-health.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { testConfig } from '../../helpers/config.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { laneDeps } from '../../helpers/lane.js';

/** A probe the test answers by hand, one pending answer per call. */
function handProbe() {
  const pending: Array<(a: ProbeAnswer) => void> = [];
  return {
    probe: () => new Promise<ProbeAnswer>((resolve) => pending.push(resolve)),
    calls: () => pending.length,
    answer: (i: number, a: ProbeAnswer) => pending[i]!(a),
  };
}

/** Lets the promise callbacks of an answer run (the mock timers leave setImmediate alone). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A lane on the test config whose remote is only ever probed, never sent to. */
function probedLane(clock: SteppingClock, probe: () => Promise<ProbeAnswer>) {
  const config = testConfig({ watch: ['/srv/www'] });
  const logger = memoryLogger();
  const lane = new Lane(laneDeps(config, clock, { logger, probe }));
  return { lane, logger };
}

describe('Lane: a probe answer counts only for the probe the lane waits for', () => {
  let clock: SteppingClock | null = null;
  afterEach(() => clock?.restore());

  it('pause then resume while a probe is out: the older answer is dropped, the newer one decides', async () => {
    clock = new SteppingClock(undefined, true);
    const hand = handProbe();
    const { lane } = probedLane(clock, hand.probe);
    lane.block('refused', '@ERROR: auth failed on module www');
    assert.equal(lane.status().state, 'refused');
    clock.advance(5000);
    assert.equal(hand.calls(), 1, 'the refused lane probes after its wait');
    await lane.pause();
    lane.resume();
    clock.advance(10);
    assert.equal(hand.calls(), 2, 'the resumed lane, still blocked, probes again at once');
    // The first probe answers "ok" after the second started: it must not unblock the lane.
    hand.answer(0, 'ok');
    await settle();
    assert.equal(lane.status().state, 'refused');
    assert.equal(lane.status().health, 'refused');
    // The second probe's answer is the one that counts: unblocked, healthy once a batch succeeds.
    hand.answer(1, 'ok');
    await settle();
    assert.equal(lane.status().health, 'retrying');
    assert.equal(lane.status().state, 'idle');
    lane.stop();
  });

  it('a stop while a probe is out: its answer changes nothing', async () => {
    clock = new SteppingClock(undefined, true);
    const hand = handProbe();
    const { lane, logger } = probedLane(clock, hand.probe);
    lane.block('refused', '@ERROR: auth failed on module www');
    clock.advance(5000);
    assert.equal(hand.calls(), 1);
    lane.stop();
    hand.answer(0, 'ok');
    await settle();
    assert.equal(lane.status().state, 'stopped');
    // The answer is not even judged: no "answers again" (the machine would drop it too, later).
    assert.equal(
      logger.lines.some((l) => /answers again/.test(l)),
      false,
      logger.lines.join('\n'),
    );
  });
});
