import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { restartWait, RESTART_POLICY } from '../../../src/daemon/worker-keeper.js';
import { Backoff } from '../../../src/shared/backoff.js';
import { claimPidFile } from '../../../src/shared/pid-file.js';

describe('restartWait: doubling from 1 s, capped at 60 s, reset after a long run', () => {
  it('a worker crashing right after each start waits 1, 2, 4 ... 60, 60 s', () => {
    const restarts = new Backoff(RESTART_POLICY);
    const waits = Array.from({ length: 9 }, () => restartWait(restarts, 500));
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });
  it('a worker that ran longer than resetAfterMs restarts after the base delay again', () => {
    const restarts = new Backoff(RESTART_POLICY);
    for (let i = 0; i < 8; i++) restartWait(restarts, 500);
    assert.equal(restartWait(restarts, RESTART_POLICY.resetAfterMs), 60_000);
    assert.equal(restartWait(restarts, RESTART_POLICY.resetAfterMs + 1), 1000);
    assert.equal(restartWait(restarts, 0), 2000);
  });
  it('uses the policy it is given', () => {
    const p = { baseMs: 10, capMs: 25, resetAfterMs: 100 };
    const restarts = new Backoff(p);
    assert.deepEqual(
      [restartWait(restarts, 0, p), restartWait(restarts, 0, p), restartWait(restarts, 0, p)],
      [10, 20, 25],
    );
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
    const gone = spawnSync('true').pid;
    fs.writeFileSync(f, `${gone}\n`);
    assert.equal(claimPidFile(f, process.pid), null);
    assert.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('claimPidFile: racing processes', () => {
  it('8 processes released at the same instant: exactly one takes the PID file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-pidrace-'));
    const f = path.join(dir, 'x.pid');
    const barrier = path.join(dir, 'go');
    const mod = fileURLToPath(new URL('../../../src/shared/pid-file.js', import.meta.url));
    // Each one spins until the barrier exists, claims, prints the outcome, and stays alive (so its
    // pid counts as running) until its stdin closes.
    const script = `const { claimPidFile } = await import(${JSON.stringify(mod)}); const fs = await import('node:fs');
process.stdout.write('ready\\n'); while (!fs.existsSync(${JSON.stringify(barrier)})) {}
const r = claimPidFile(${JSON.stringify(f)}); process.stdout.write(r === null ? 'won\\n' : 'lost\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
    const kids = Array.from({ length: 8 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outs = kids.map(() => '');
    const lines = (i: number): string[] => outs[i]!.trim().split('\n');
    kids.forEach((k, i) => k.stdout.on('data', (b: Buffer) => (outs[i] += b.toString())));
    try {
      await waitUntil(() => kids.every((_, i) => lines(i).includes('ready')));
      fs.writeFileSync(barrier, '');
      await waitUntil(() => kids.every((_, i) => lines(i).length === 2));
      const results = kids.map((_, i) => lines(i)[1]);
      assert.equal(results.filter((r) => r === 'won').length, 1, results.join(' '));
      const winner = kids[results.indexOf('won')]!.pid;
      assert.equal(fs.readFileSync(f, 'utf8'), `${winner}\n`);
    } finally {
      for (const k of kids) k.stdin.end();
      await Promise.all(kids.map((k) => new Promise((r) => (k.exitCode !== null ? r(null) : k.once('exit', r)))));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
