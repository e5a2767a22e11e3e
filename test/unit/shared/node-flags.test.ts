import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS, nodeFlagsFor, OWN_NODE_FLAGS } from '../../../src/shared/node-flags.js';

describe('node flags', () => {
  it('per major: --no-expose-wasm before 22, no --jitless on 22 and 23, NODE_FLAGS from 24 on', () => {
    assert.deepEqual(NODE_FLAGS, ['--jitless', '--optimize-for-size']);
    for (const major of [20, 21])
      assert.deepEqual(nodeFlagsFor(major), ['--jitless', '--optimize-for-size', '--no-expose-wasm'], `node ${major}`);
    for (const major of [22, 23]) assert.deepEqual(nodeFlagsFor(major), ['--optimize-for-size'], `node ${major}`);
    for (const major of [24, 25, 26]) assert.deepEqual(nodeFlagsFor(major), [...NODE_FLAGS], `node ${major}`);
  });

  it('this node starts under its flags without a warning, and stays up once node:http is imported', () => {
    // node:http as an ES module, as the agent's HTTP endpoint imports it: under --jitless, Nodes 22
    // and 23 died a moment later (their undici needs WebAssembly).
    const r = spawnSync(
      process.execPath,
      [
        ...OWN_NODE_FLAGS,
        '--input-type=module',
        '-e',
        "import 'node:http'; setTimeout(() => process.stdout.write(JSON.stringify(process.execArgv.slice(0, -3))), 100);",
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr (before Node 24, V8 warns about --expose_wasm without its flag)');
    assert.deepEqual(JSON.parse(r.stdout), OWN_NODE_FLAGS);
  });
});
