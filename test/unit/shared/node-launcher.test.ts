import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_FLAGS, nodeFlagsFor, nodeLauncher, OWN_NODE_FLAGS } from '../../../src/shared/node-flags.js';

// The command scripts/install.sh writes, run by /bin/sh with a fake node first on PATH: the fake
// answers --version with FAKE_NODE_VERSION (nothing when unset) and otherwise prints its argv.
describe('nodeLauncher (the sersync-ts command of scripts/install.sh)', () => {
  let dir = '';
  let fakeBin = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-launcher-'));
    fakeBin = path.join(dir, 'fake-bin');
    fs.mkdirSync(fakeBin);
    fs.writeFileSync(
      path.join(fakeBin, 'node'),
      '#!/bin/sh\nif [ "$1" = --version ]; then [ -n "$FAKE_NODE_VERSION" ] && echo "$FAKE_NODE_VERSION"; exit 0; fi\n' +
        'for a in "$@"; do printf \'%s\\0\' "$a"; done\n',
      { mode: 0o755 },
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function launch(main: string, version: string | undefined, args: string[], bin = fakeBin) {
    const launcher = path.join(dir, 'sersync-ts');
    fs.writeFileSync(launcher, nodeLauncher(main), { mode: 0o755 });
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:/usr/bin:/bin` };
    if (version !== undefined) env['FAKE_NODE_VERSION'] = version;
    const r = spawnSync(launcher, args, { env, encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return { argv: r.stdout.split('\0').slice(0, -1), stderr: r.stderr, stdout: r.stdout };
  }

  it("gives the node it finds that node's flags (nodeFlagsFor), asked at each start", () => {
    const main = '/opt/sersync-ts/dist/src/main.js';
    for (const v of ['v20.20.2', 'v21.7.3', 'v22.23.5', 'v23.11.1', 'v24.22.3', 'v25.0.0']) {
      const major = Number(v.slice(1).split('.')[0]);
      assert.deepEqual(launch(main, v, ['-o', 'c.xml']).argv, [...nodeFlagsFor(major), main, '-o', 'c.xml'], v);
    }
  });

  it('gives a node that does not say its version only what every node takes (--optimize-for-size)', () => {
    assert.deepEqual(launch('/m.js', undefined, []).argv, ['--optimize-for-size', '/m.js']);
    assert.deepEqual(launch('/m.js', 'not a version', []).argv, ['--optimize-for-size', '/m.js']);
  });

  it('passes a hostile install path and arguments through as they are, running nothing', () => {
    const main = path.join(dir, "it's $(touch PWNED) `touch PWNED2`", 'main.js');
    const args = ['-o', 'a b', "q'uote", '$(touch PWNED3)', '--', '-d'];
    assert.deepEqual(launch(main, 'v24.1.0', args).argv, [...NODE_FLAGS, main, ...args]);
    for (const f of ['PWNED', 'PWNED2', 'PWNED3']) assert.equal(fs.existsSync(path.join(dir, f)), false, f);
  });

  it('starts this node with its own flags and no warning', () => {
    const main = path.join(dir, 'probe main.mjs');
    fs.writeFileSync(main, 'process.stdout.write(JSON.stringify([process.execArgv, process.argv.slice(2)]));\n');
    const r = launch(main, undefined, ['x y'], path.dirname(process.execPath));
    assert.equal(r.stderr, '', 'nothing on stderr (before Node 22, V8 warns about --expose_wasm without its flag)');
    assert.deepEqual(JSON.parse(r.stdout), [[...OWN_NODE_FLAGS], ['x y']]);
  });
});
