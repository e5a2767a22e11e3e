import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/run.js';
import { EXIT } from '../../../src/shared/errors.js';

/** main.ts reads the config before it loads the agent (early-start.ts); runCli takes that read. */
describe('runCli and the config main.ts read early', () => {
  const capture = (): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
  };
  const early = (file: string) => ({
    file,
    loaded: Promise.resolve({
      config: null,
      problems: [{ file, line: 3, xmlPath: 'sersync/localpath@watch', message: 'the read main.ts made' }],
      warnings: [],
    }),
  });

  it('uses the early read of the same file, and reads nothing again', async () => {
    const file = path.join(os.tmpdir(), `early-config-${process.pid}-never-written.xml`);
    const c = capture();
    const code = await runCli(['-o', file], c.io, { earlyConfig: early(file) });
    assert.equal(code, EXIT.CONFIG);
    assert.deepEqual(c.err, [
      `${file}:3: sersync/localpath@watch: the read main.ts made`,
      `sersync-ts: 1 problem(s) in ${file}; nothing started`,
    ]);
  });

  it('reads the file itself when the early read was of another one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'early-config-'));
    const file = path.join(dir, 'missing.xml');
    const c = capture();
    const code = await runCli(['-o', file], c.io, { earlyConfig: early(path.join(dir, 'other.xml')) });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, EXIT.CONFIG);
    assert.ok(
      c.err.every((l) => !l.includes('the read main.ts made')),
      c.err.join('\n'),
    );
    assert.match(c.err[0] ?? '', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
