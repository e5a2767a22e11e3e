import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { projectRoot } from '../../helpers/paths.js';

/**
 * Node's built-in modules a fresh process has loaded after importing `modules` (compiled, from
 * dist/). Every built-in loaded stays in the agent's memory for as long as it runs.
 */
function builtinsAfterImporting(modules: readonly string[]): Set<string> {
  const imports = modules.map((m) => `await import(${JSON.stringify(`${projectRoot}/dist/src/${m}`)});`).join(' ');
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${imports} console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));`,
    ],
    { encoding: 'utf8' },
  );
  return new Set(JSON.parse(out) as string[]);
}

/** What only ssh (crypto, for its socket names), the plugins (https, tls) and -d's supervisor (readline) need. */
const ON_DEMAND = ['crypto', 'https', 'tls', 'readline'];

describe('the agent loads crypto, https, tls and readline only when it needs them (issue 21: memory)', () => {
  it('the agent itself: cli/run, foreground and everything the agent imports', () => {
    const loaded = builtinsAfterImporting(['cli/run.js', 'cli/foreground.js', 'daemon/agent.js']);
    assert.ok(loaded.has('worker_threads') && loaded.has('child_process'), 'the probe sees what the agent loads');
    assert.deepEqual(
      ON_DEMAND.filter((m) => loaded.has(m)),
      [],
    );
  });
  it('the http plugin does load https (the check above can see it); ssh-control-dir hashes, and loads crypto only then', async () => {
    assert.ok(builtinsAfterImporting(['plugins/http.js']).has('https'));
    const { hostTag } = await import('../../../src/rsync/ssh-control-dir.js');
    assert.match(hostTag('backup', 22), /^[0-9a-f]{12}$/);
    assert.ok(builtinsAfterImporting(['rsync/ssh-control-dir.js']).has('crypto') === false, 'not on import');
  });
});
