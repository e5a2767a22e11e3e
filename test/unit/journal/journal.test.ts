import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PendingJournal } from '../../../src/journal/journal.js';
import { decodeJournal, encodeRecord, type JournalRecord } from '../../../src/journal/codec.js';
import { memoryLogger } from '../../../src/shared/logger.js';

const FILE = 'pending.journal';

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-pj-'));
  fs.chmodSync(d, 0o700);
  return d;
}

const rec = (p: string): JournalRecord => ({ type: 'path', root: '/src', path: p, kind: 'path' });
const onDisk = (dir: string): ReturnType<typeof decodeJournal> =>
  decodeJournal(fs.readFileSync(path.join(dir, FILE), 'utf8'));

describe('PendingJournal', () => {
  it('records are on disk after flush(), without close()', async () => {
    const dir = tmpDir();
    try {
      const { journal, recovered } = await PendingJournal.open(dir, memoryLogger());
      assert.equal(recovered.fresh, true);
      journal.record(rec('a'));
      journal.record(rec('b\nc'));
      journal.record({ type: 'full', root: '/src' });
      await journal.flush();
      const d = onDisk(dir);
      assert.deepEqual(d.records, [rec('a'), rec('b\nc'), { type: 'full', root: '/src' }]);
      assert.equal(d.clean, false, 'not closed: an unclean journal');
      assert.equal(journal.appended, 3);
      await journal.close([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkpoint compacts the file to exactly what is still pending', async () => {
    const dir = tmpDir();
    try {
      const { journal } = await PendingJournal.open(dir, memoryLogger());
      for (let i = 0; i < 100; i++) journal.record(rec(`p${i}`));
      await journal.flush();
      assert.equal(onDisk(dir).records.length, 100);
      await journal.checkpoint([rec('p99')]);
      assert.deepEqual(onDisk(dir).records, [rec('p99')]);
      assert.equal(journal.appended, 0);
      // Appends after a checkpoint go to the new file.
      journal.record(rec('later'));
      await journal.flush();
      assert.deepEqual(onDisk(dir).records, [rec('p99'), rec('later')]);
      await journal.close([rec('later')]);
      const closed = onDisk(dir);
      assert.deepEqual(closed.records, [rec('later')]);
      assert.equal(closed.clean, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a torn last line is skipped on open; the rest is recovered and the run counts as unclean', async () => {
    const dir = tmpDir();
    try {
      const whole = [rec('one'), rec('two')].map(encodeRecord).join('');
      const torn = encodeRecord(rec('three')).slice(0, 9); // the process died mid-write
      fs.writeFileSync(path.join(dir, FILE), whole + torn, { mode: 0o600 });
      const logger = memoryLogger();
      const { journal, recovered } = await PendingJournal.open(dir, logger);
      assert.deepEqual(recovered.records, [rec('one'), rec('two')]);
      assert.equal(recovered.clean, false);
      assert.equal(recovered.fresh, false);
      assert.ok(
        logger.lines.some((w) => /^warn .*1 unreadable line\(s\) skipped/.test(w)),
        logger.lines.join('\n'),
      );
      // open() rewrote the file without the torn line, so new appends start on a line of their own.
      journal.record(rec('four'));
      await journal.flush();
      const d = onDisk(dir);
      assert.equal(d.skipped, 0);
      assert.deepEqual(d.records, [rec('one'), rec('two'), rec('four')]);
      await journal.close([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
