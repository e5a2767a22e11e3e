import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fdinfoFlags, opensForWriting, procWriters } from '../../../src/lane/open-writers.js';
import { waitFor } from '../../helpers/wait.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-writers-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const latin1 = (p: string): string => Buffer.from(p).toString('latin1');

describe('fdinfo flags', () => {
  it('parses the octal flags line; write-only and read-write open for writing, read-only does not', () => {
    assert.equal(fdinfoFlags('pos:\t0\nflags:\t0100001\nmnt_id:\t25\n'), 0o100001);
    assert.equal(fdinfoFlags('pos:\t0\n'), null);
    assert.deepEqual([0o100000, 0o100001, 0o100002, 0o102001].map(opensForWriting), [false, true, true, true]);
  });
});

describe('procWriters: who holds a file open for writing (/proc)', () => {
  it('this process writing, another process writing, read-only, closed: only the writers are named', async () => {
    const names = ['mine', 'child', 'reader', 'closed', 'sp ace \u00e9'].map((n) => path.join(tmp, n));
    for (const n of names) fs.writeFileSync(n, 'x');
    const mine = fs.openSync(names[0]!, 'a');
    const reader = fs.openSync(names[2]!, 'r');
    fs.closeSync(fs.openSync(names[3]!, 'w'));
    const odd = fs.openSync(names[4]!, 'r+');
    // Another process keeps `child` open for writing until it is killed.
    const child = spawn('sh', ['-c', 'exec 3>>"$1"; echo ready; exec sleep 60', 'sh', names[1]!], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      const scan = procWriters(names.map(latin1));
      assert.deepEqual([...scan.writing].sort(), [names[0]!, names[1]!, names[4]!].map(latin1).sort());
      if (process.getuid?.() === 0) assert.equal(scan.complete, true, 'root sees every process');
      assert.ok(scan.ms >= 0);
    } finally {
      child.kill('SIGKILL');
      fs.closeSync(mine);
      fs.closeSync(reader);
      fs.closeSync(odd);
    }
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, { what: 'the child to exit' });
    assert.deepEqual([...procWriters(names.map(latin1)).writing], [], 'all closed now');
  });
});
