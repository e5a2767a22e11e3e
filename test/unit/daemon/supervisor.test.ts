import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { claimPidFile, restartBackoff, RESTART_POLICY } from '../../../src/daemon/supervisor.js';

describe('restartBackoff: doubling from 1 s, capped at 60 s, reset after a long run', () => {
  it('a worker crashing right after each start waits 1, 2, 4 ... 60, 60 s', () => {
    const waits: number[] = [];
    let next = RESTART_POLICY.baseMs;
    for (let i = 0; i < 9; i++) {
      const b = restartBackoff(next, 500);
      waits.push(b.waitMs);
      next = b.nextDelayMs;
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });
  it('a worker that ran longer than resetAfterMs restarts after the base delay again', () => {
    assert.deepEqual(restartBackoff(60_000, RESTART_POLICY.resetAfterMs + 1), { waitMs: 1000, nextDelayMs: 2000 });
    assert.deepEqual(restartBackoff(60_000, RESTART_POLICY.resetAfterMs), { waitMs: 60_000, nextDelayMs: 60_000 });
  });
  it('uses the policy it is given', () => {
    assert.deepEqual(restartBackoff(10, 0, { baseMs: 10, capMs: 25, resetAfterMs: 100 }), { waitMs: 10, nextDelayMs: 20 });
    assert.deepEqual(restartBackoff(20, 0, { baseMs: 10, capMs: 25, resetAfterMs: 100 }), { waitMs: 20, nextDelayMs: 25 });
  });
});

describe('claimPidFile: one owner, stale files replaced', () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-pid-'));
  it('takes a free PID file and refuses it while its owner runs', () => {
    const dir = tmp();
    const f = path.join(dir, 'x.pid');
    assert.equal(claimPidFile(f, process.pid), null);
    assert.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
    // Another process (pid of a sleeping child) asks for it: refused, names us.
    assert.equal(claimPidFile(f, 999_999), process.pid);
    assert.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
    assert.deepEqual(fs.readdirSync(dir), ['x.pid'], 'no temp files left');
    fs.rmSync(dir, { recursive: true });
  });
  it('replaces a stale one (its process is gone)', () => {
    const dir = tmp();
    const f = path.join(dir, 'x.pid');
    const gone = spawnSync('true').pid!;
    fs.writeFileSync(f, `${gone}\n`);
    assert.equal(claimPidFile(f, process.pid), null);
    assert.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
    fs.rmSync(dir, { recursive: true });
  });
});
