import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS, nodeFlagsFor, OWN_NODE_FLAGS } from '../../../src/shared/node-flags.js';

describe('node flags', () => {
  it('Nodes before 24 get --no-expose-wasm beside the others; 24 and later NODE_FLAGS alone', () => {
    for (const major of [20, 21, 22, 23])
      assert.deepEqual(nodeFlagsFor(major), ['--jitless', '--optimize-for-size', '--no-expose-wasm'], `node ${major}`);
    for (const major of [24, 25, 26]) assert.deepEqual(nodeFlagsFor(major), [...NODE_FLAGS], `node ${major}`);
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
