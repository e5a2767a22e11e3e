import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdNotify } from '../../../src/daemon/sd-notify.js';
import { memoryLogger } from '../../../src/shared/logger.js';

describe('sd_notify without systemd', () => {
  it('is disabled and sends nothing when NOTIFY_SOCKET is unset', async () => {
    const log = memoryLogger();
    const sd = new SdNotify(log, {});
    assert.equal(sd.enabled, false);
    await sd.notify({ READY: '1' });
    assert.deepEqual(log.lines, [], 'no helper was run, nothing was logged');
  });
  it('the watchdog interval is half of WATCHDOG_USEC, and only for this process', () => {
    assert.equal(SdNotify.watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }), 30_000);
    assert.equal(SdNotify.watchdogIntervalMs({}), null);
    assert.equal(
      SdNotify.watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: String(process.pid + 1) }),
      null,
    );
  });
});
