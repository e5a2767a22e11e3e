import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyExit, EXIT_CODE_TABLE, succeeded, type ExitClass } from '../../../src/rsync/exit-codes.js';

/** architecture.md §2: 0 and 24 ok; 23 and transport codes retried; 1, 2, 4 (and 25) a human must fix. */
const EXPECTED: readonly (readonly [number, ExitClass, string])[] = [
  [0, 'ok', 'success'],
  [24, 'ok', 'vanished source files are ok: the vanished path has its own event'],
  [23, 'retry', 'partial transfer is retried, never taken as success'],
  [3, 'retry', 'errors selecting input/output files'],
  [5, 'retry', 'client-server protocol start (unknown module, auth failed)'],
  [6, 'retry', 'daemon log-file'],
  [10, 'retry', 'socket I/O'],
  [11, 'retry', 'file I/O'],
  [12, 'retry', 'protocol data stream'],
  [13, 'retry', 'program diagnostics'],
  [14, 'retry', 'IPC'],
  [20, 'retry', 'SIGUSR1/SIGINT'],
  [21, 'retry', 'waitpid'],
  [22, 'retry', 'memory'],
  [30, 'retry', 'data timeout'],
  [35, 'retry', 'daemon connection timeout'],
  [255, 'retry', 'ssh / unexplained'],
  [1, 'config', 'syntax or usage error'],
  [2, 'config', 'protocol incompatibility'],
  [4, 'config', 'action not supported'],
  [25, 'config', '--max-delete limit'],
];

describe('classifyExit', () => {
  for (const [code, cls, why] of EXPECTED) {
    it(`exit ${code} is ${cls} (${why})`, () => {
      const info = classifyExit(code);
      assert.equal(info.cls, cls);
      assert.ok(info.meaning.length > 0, 'has a meaning for the log');
    });
  }

  for (const code of [99, -1, 7, 19, 256, 137, 143]) {
    it(`unknown exit code ${code} is retried, with the code in its meaning`, () => {
      const info = classifyExit(code);
      assert.equal(info.cls, 'retry');
      assert.match(info.meaning, new RegExp(`unexpected exit code ${code}\\b`));
    });
  }

  it('the exported table holds exactly the codes listed above (nothing untested, nothing missing)', () => {
    const tableCodes = Object.keys(EXIT_CODE_TABLE)
      .map(Number)
      .sort((a, b) => a - b);
    const expectedCodes = EXPECTED.map(([c]) => c).sort((a, b) => a - b);
    assert.deepEqual(tableCodes, expectedCodes);
  });

  it('0 means success and 24 names vanished files', () => {
    assert.equal(classifyExit(0).meaning, 'success');
    assert.match(classifyExit(24).meaning, /vanished/);
    assert.match(classifyExit(23).meaning, /partial/);
  });
});

describe('succeeded: did an rsync run do its job', () => {
  it('0 and 24 (a vanished file) are success; 23, 10, 1, an unknown code and -1 are not', () => {
    const run = (exitCode: number, spawnError: string | null = null) => ({ exitCode, spawnError });
    assert.deepEqual(
      [0, 24, 23, 10, 1, 99, -1].map((c) => succeeded(run(c))),
      [true, true, false, false, false, false, false],
    );
  });
  it('a run that could not start is a failure whatever its code says', () => {
    assert.equal(succeeded({ exitCode: 0, spawnError: 'spawn rsync ENOENT' }), false);
  });
});
