import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStateDir } from '../../../src/daemon/state-dir.js';
import type { SersyncConfig } from '../../../src/config/types.js';

describe('defaultStateDir', () => {
  const config = { failLog: { path: '/tmp/rsync_fail_log.sh', stateDir: null } } as unknown as SersyncConfig;
  it('<failLog stateDir> wins over $STATE_DIRECTORY and the default', () => {
    const withDir = { failLog: { path: '/tmp/rsync_fail_log.sh', stateDir: '/srv/state' } } as unknown as SersyncConfig;
    assert.equal(defaultStateDir(withDir, { STATE_DIRECTORY: '/var/lib/sersync-ts' }), '/srv/state');
    assert.equal(defaultStateDir(withDir, {}), '/srv/state');
  });
  it("uses systemd's $STATE_DIRECTORY (StateDirectory=) when set", () => {
    assert.equal(defaultStateDir(config, { STATE_DIRECTORY: '/var/lib/sersync-ts' }), '/var/lib/sersync-ts');
    assert.equal(
      defaultStateDir(config, { STATE_DIRECTORY: '/var/lib/sersync-ts:/var/lib/other' }),
      '/var/lib/sersync-ts',
    );
  });
  it('falls back to <failLog path>.state', () => {
    assert.equal(defaultStateDir(config, {}), '/tmp/rsync_fail_log.sh.state');
    assert.equal(defaultStateDir(config, { STATE_DIRECTORY: '' }), '/tmp/rsync_fail_log.sh.state');
  });
});
