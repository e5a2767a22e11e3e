import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unsafeRootReason } from '../../../src/delete-safety/safety.js';

describe('unsafeRootReason: a deleting full sync refuses a missing or empty root', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-safety-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('missing root', async () => {
    assert.match(
      (await unsafeRootReason(path.join(tmp, 'nope'))) ?? '',
      /does not exist; refusing a deleting full sync/,
    );
  });
  it('a file, not a directory', async () => {
    fs.writeFileSync(path.join(tmp, 'file'), 'x');
    assert.match((await unsafeRootReason(path.join(tmp, 'file'))) ?? '', /is not a directory; refusing/);
  });
  it('empty directory', async () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    assert.match((await unsafeRootReason(path.join(tmp, 'empty'))) ?? '', /is empty \(unmounted volume\?\); refusing/);
  });
  it('a directory holding anything (a file, a dotfile, an empty subdirectory) is safe', async () => {
    for (const [name, make] of [
      ['with-file', (d: string) => fs.writeFileSync(path.join(d, 'f'), 'x')],
      ['with-dotfile', (d: string) => fs.writeFileSync(path.join(d, '.keep'), '')],
      ['with-subdir', (d: string) => fs.mkdirSync(path.join(d, 'sub'))],
    ] as const) {
      const d = path.join(tmp, name);
      fs.mkdirSync(d);
      make(d);
      assert.equal(await unsafeRootReason(d), null, name);
    }
  });
  it('a symlink to a non-empty directory is followed (the root may be a symlink)', async () => {
    fs.symlinkSync(path.join(tmp, 'with-file'), path.join(tmp, 'link'));
    assert.equal(await unsafeRootReason(path.join(tmp, 'link')), null);
  });
});
