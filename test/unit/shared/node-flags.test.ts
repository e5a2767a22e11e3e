import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS, nodeFlagsFor, OWN_NODE_FLAGS } from '../../../src/shared/node-flags.js';

describe('node flags', () => {
  it('Node 20 gets --no-expose-wasm beside the others; other majors NODE_FLAGS alone', () => {
    assert.deepEqual(nodeFlagsFor(20), ['--jitless', '--optimize-for-size', '--no-expose-wasm']);
    assert.deepEqual(nodeFlagsFor(24), [...NODE_FLAGS]);
    assert.deepEqual(NODE_FLAGS, ['--jitless', '--optimize-for-size']);
  });

  it('this node accepts its flags and starts under --jitless without a warning', () => {
    const r = spawnSync(
      process.execPath,
      [...OWN_NODE_FLAGS, '-e', 'process.stdout.write(String(process.execArgv.includes("--jitless")))'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr (Node 20 warns about --expose_wasm without its flag)');
    assert.equal(r.stdout, 'true');
  });
});
