import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, type CliCommand } from '../../../src/cli/args.js';
import { USAGE } from '../../../src/cli/usage.js';

describe('parseCli release-deletes', () => {
  it('release-deletes -o FILE: every root; --root PATH: that root, made absolute', () => {
    const all = parseCli(['release-deletes', '-o', '/etc/c.xml']) as Extract<CliCommand, { kind: 'release-deletes' }>;
    assert.equal(all.kind, 'release-deletes');
    assert.equal(all.root, null);
    assert.equal(all.options.configFile, '/etc/c.xml');
    const one = parseCli(['--root', '/srv/www/', 'release-deletes']) as Extract<
      CliCommand,
      { kind: 'release-deletes' }
    >;
    assert.equal(one.root, '/srv/www');
  });
  it('--repair and --remote still go with verify only', () => {
    assert.match(
      (parseCli(['release-deletes', '--repair']) as { message: string }).message,
      /--repair goes with "verify"/,
    );
    assert.match(
      (parseCli(['release-deletes', '--remote', 'x']) as { message: string }).message,
      /--remote goes with "verify"/,
    );
  });
  it('is in the usage', () => {
    assert.ok(USAGE.includes('sersync-ts release-deletes [-o FILE] [--root PATH]'));
  });
});
