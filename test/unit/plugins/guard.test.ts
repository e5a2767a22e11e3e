import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuardedPlugin } from '../../../src/plugins/guard.js';
import type { Plugin } from '../../../src/plugins/types.js';
import { memoryLogger } from '../../../src/shared/logger.js';

const throwing = (msg: () => string): Plugin => ({
  name: 'boom',
  failures: 2,
  dropped: 5,
  handle: () => {
    throw new Error(msg());
  },
  close: async () => {},
});

describe('GuardedPlugin', () => {
  it('catches what a plugin throws, logs each distinct error once, and counts every one', () => {
    const log = memoryLogger();
    let n = 0;
    const g = new GuardedPlugin(
      throwing(() => (n++ < 3 ? 'same' : 'other')),
      log,
    );
    for (let i = 0; i < 5; i++) g.handle([]);
    assert.equal(g.failures, 2 + 5, "the plugin's own failures plus the 5 exceptions");
    assert.equal(g.dropped, 5);
    const errors = log.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /plugin "boom" failed \(handle\): same; syncing goes on/);
    assert.match(errors[1]!, /: other;/);
  });
  it('guard() also covers the work around the plugin (building its events)', () => {
    const log = memoryLogger();
    const g = new GuardedPlugin({ name: 'ok', failures: 0, dropped: 0, handle: () => {}, close: async () => {} }, log);
    g.guard('delivered', () => {
      throw new Error('EACCES: lstat');
    });
    assert.equal(g.failures, 1);
  });
  it('a full sync told to a plugin without a notice format: one warning per root', () => {
    const log = memoryLogger();
    const g = new GuardedPlugin(
      { name: 'command', failures: 0, dropped: 0, handle: () => {}, close: async () => {} },
      log,
    );
    assert.equal(g.fullSync('/srv/www', 0), false);
    g.fullSync('/srv/www', 1);
    assert.equal(log.lines.filter((l) => l.startsWith('warn') && l.includes('/srv/www had a full sync')).length, 1);
  });
});
