import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heartbeatTick, watchdogTick, type Watched } from '../../../src/cli/watchdog.js';
import type { Health } from '../../../src/status/agent-health.js';

function fakeAgent(): Watched & { health_: Health } {
  const a = {
    health_: { ok: true, reasons: [], live: true } as Health,
    health: () => a.health_,
    state: () => 'watching' as const,
  };
  return a;
}

describe('watchdog tick: WATCHDOG=1 only while healthy', () => {
  it('healthy: WATCHDOG=1 with the state; unhealthy: no WATCHDOG, STATUS names the reason; healthy again: WATCHDOG again', () => {
    const agent = fakeAgent();
    const sent: Record<string, string>[] = [];
    const notify = (f: Readonly<Record<string, string>>): void => void sent.push({ ...f });
    assert.equal(watchdogTick(agent, notify), true);
    assert.deepEqual(sent.pop(), { WATCHDOG: '1', STATUS: 'watching; everything delivered' });
    agent.health_ = {
      ok: false,
      reasons: ['/src -> 127.0.0.1::www: batch rsync running for 2 s (stuck limit 1 s)'],
      live: false,
    };
    assert.equal(watchdogTick(agent, notify), false);
    const msg = sent.pop()!;
    assert.equal(msg['WATCHDOG'], undefined, 'no WATCHDOG=1 while unhealthy');
    assert.equal(msg['STATUS'], 'unhealthy: /src -> 127.0.0.1::www: batch rsync running for 2 s (stuck limit 1 s)');
    agent.health_ = { ok: true, reasons: [], live: true };
    assert.equal(watchdogTick(agent, notify), true);
    assert.equal(sent.pop()!['WATCHDOG'], '1');
  });
  it('heartbeats to the supervisor stop while unhealthy', () => {
    const agent = fakeAgent();
    const beats: unknown[] = [];
    assert.equal(
      heartbeatTick(agent, (m) => beats.push(m)),
      true,
    );
    agent.health_ = { ok: false, reasons: ['the watcher is not running'], live: false };
    assert.equal(
      heartbeatTick(agent, (m) => beats.push(m)),
      false,
    );
    assert.deepEqual(beats, [{ type: 'heartbeat' }]);
  });
  it('a missing watched root is not ok but live: WATCHDOG=1 and heartbeats go on (a restart could not bring it back)', () => {
    const agent = fakeAgent();
    agent.health_ = { ok: false, reasons: ['watched root /srv/www is missing'], live: true };
    const sent: Record<string, string>[] = [];
    assert.equal(
      watchdogTick(agent, (f) => void sent.push({ ...f })),
      true,
    );
    assert.equal(sent.pop()!['WATCHDOG'], '1');
    const beats: unknown[] = [];
    assert.equal(
      heartbeatTick(agent, (m) => beats.push(m)),
      true,
    );
  });
});
