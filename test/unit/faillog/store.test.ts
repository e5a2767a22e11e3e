import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FailLogStore } from '../../../src/faillog/store.js';
import { parseFailLog, type FailRecord } from '../../../src/faillog/record.js';
import { memoryLogger } from '../../../src/shared/logger.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-store-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const logger = memoryLogger();

const rec = (remote: string, paths: string[]): FailRecord => ({
  time: 0,
  root: '/srv/www',
  remote,
  exitCode: 10,
  reason: 'down',
  full: false,
  paths,
  argv: ['-a'],
});

describe('FailLogStore', () => {
  it('a failed write is reported, and the next write still lands with the whole state', async () => {
    const file = path.join(tmp, 'fail.sh');
    const store = await FailLogStore.open(file, logger);
    // A real fault: the first write's temporary name is taken by a directory (O_EXCL fails).
    fs.mkdirSync(`${file}.tmp-${process.pid}-1`);
    await assert.rejects(store.add(rec('127.0.0.1::a', ['one'])));
    await store.add(rec('127.0.0.1::b', ['two']));
    const parsed = parseFailLog(fs.readFileSync(file));
    assert.deepEqual(parsed.records.map((r) => [r.remote, r.paths]).sort(), [
      ['127.0.0.1::a', ['one']],
      ['127.0.0.1::b', ['two']],
    ]);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    assert.deepEqual(
      fs.readdirSync(tmp).filter((n) => n.startsWith('fail.sh.tmp') && !fs.statSync(path.join(tmp, n)).isDirectory()),
      [],
      'no temporary file left behind',
    );
  });
});
